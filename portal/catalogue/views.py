import csv

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.users.access import VENDOR_ADMIN, VENDOR_STAFF, role_required

from .eligibility import is_eligible
from .forms import ProductFilterForm, ProductModelForm
from .models import ProductModel
from .services import search_products

CSV_COLUMNS = ["sku", "name", "family", "category", "quote_only_line", "end_of_life",
               "end_of_service", "list_price", "currency", "current_firmware"]


@role_required(*VENDOR_STAFF)
def product_list(request):
    filters = ProductFilterForm(request.GET or None)
    criteria = filters.cleaned_data if filters.is_valid() else {}
    products = search_products(**criteria)
    if request.GET.get("format") == "csv":
        return products_csv(products)
    today = timezone.localdate()
    rows = [(product, is_eligible(product, today)) for product in products]
    return render(request, "catalogue/product_list.html",
                  {"filters": filters, "rows": rows, "today": today})


def products_csv(products):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="catalogue.csv"'
    writer = csv.writer(response)
    writer.writerow(CSV_COLUMNS)
    for product in products:
        writer.writerow([getattr(product, column) or "" for column in CSV_COLUMNS])
    return response


@role_required(*VENDOR_ADMIN)
def product_create(request):
    form = ProductModelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        product = form.save()
        messages.success(request, _("%(product)s has been added to the catalogue.") % {
            "product": product})
        return redirect("catalogue_product_list")
    return render(request, "catalogue/product_form.html", {"form": form})


@role_required(*VENDOR_ADMIN)
def product_edit(request, pk):
    product = get_object_or_404(ProductModel, pk=pk)
    form = ProductModelForm(request.POST or None, instance=product)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("%(product)s has been saved.") % {"product": product})
        return redirect("catalogue_product_list")
    return render(request, "catalogue/product_form.html", {"form": form, "product": product})
