from django.contrib import messages
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from portal.users.access import (
    EVERYONE_OF_PARTNER,
    PARTNER_STAFF,
    customers_visible_to,
    role_required,
)

from .forms import CustomerForm


@role_required(*PARTNER_STAFF)
def customer_list(request):
    query = request.GET.get("q", "").strip()
    customers = customers_visible_to(request.user)
    if query:
        customers = customers.filter(Q(name__icontains=query) | Q(site_id__icontains=query))
    return render(request, "contracts/customer_list.html",
                  {"customers": customers, "query": query})


@role_required(*EVERYONE_OF_PARTNER)
def customer_detail(request, pk):
    customer = get_object_or_404(customers_visible_to(request.user), pk=pk)
    return render(request, "contracts/customer_detail.html", {
        "customer": customer,
        "customer_users": customer.users.order_by("last_name", "email"),
    })


@role_required(*PARTNER_STAFF)
def customer_create(request):
    form = CustomerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        customer = form.save()
        messages.success(request, _("Customer %(name)s has been created.") % {
            "name": customer.name})
        return redirect("customer_detail", pk=customer.pk)
    return render(request, "contracts/customer_form.html", {"form": form})


@role_required(*PARTNER_STAFF)
def customer_edit(request, pk):
    customer = get_object_or_404(customers_visible_to(request.user), pk=pk)
    form = CustomerForm(request.POST or None, instance=customer)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Customer %(name)s has been saved.") % {
            "name": customer.name})
        return redirect("customer_detail", pk=customer.pk)
    return render(request, "contracts/customer_form.html", {"form": form, "customer": customer})
