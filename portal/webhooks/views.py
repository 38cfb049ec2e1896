"""A partner administrator's webhook endpoints and their delivery log."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.errors import add_to_form
from portal.submissions.once import created, sent_once
from portal.users.access import PARTNER_ADMIN, role_required

from . import services
from .forms import EndpointForm
from .models import Delivery, Endpoint


@role_required(*PARTNER_ADMIN)
def endpoint_list(request):
    return render(request, "webhooks/endpoint_list.html",
                  {"endpoints": Endpoint.objects.all()})


def _save(request, form, endpoint=None):
    data = form.cleaned_data
    try:
        if endpoint is None:
            return services.create_endpoint(url=data["url"], events=data["events"],
                                            description=data["description"],
                                            user=request.user)
        return services.update_endpoint(endpoint, url=data["url"], events=data["events"],
                                        description=data["description"],
                                        active=data["active"])
    except ValidationError as error:
        add_to_form(form, error)
    return None


@role_required(*PARTNER_ADMIN)
@sent_once
def endpoint_create(request):
    form = EndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        endpoint = _save(request, form)
        if endpoint is not None:
            created(request, endpoint, url=reverse("webhook_endpoint_detail", args=[endpoint.pk]))
            # The secret is shown on this response only.
            return render(request, "webhooks/endpoint_created.html", {"endpoint": endpoint})
    return render(request, "webhooks/endpoint_form.html", {"form": form})


@role_required(*PARTNER_ADMIN)
def endpoint_detail(request, pk):
    endpoint = get_object_or_404(Endpoint, pk=pk)
    form = EndpointForm(request.POST or None, initial={
        "url": endpoint.url, "description": endpoint.description, "events": endpoint.events,
        "active": endpoint.active})
    if request.method == "POST" and form.is_valid() and _save(request, form, endpoint):
        messages.success(request, _("The endpoint is saved."))
        return redirect("webhook_endpoint_detail", pk=endpoint.pk)
    deliveries = Paginator(endpoint.deliveries.prefetch_related("tries"), 50).get_page(
        request.GET.get("page"))
    return render(request, "webhooks/endpoint_detail.html", {
        "endpoint": endpoint, "form": form, "page": deliveries})


@role_required(*PARTNER_ADMIN)
@require_POST
def endpoint_delete(request, pk):
    endpoint = get_object_or_404(Endpoint, pk=pk)
    endpoint.delete()
    messages.success(request, _("The endpoint is deleted."))
    return redirect("webhook_endpoint_list")


@role_required(*PARTNER_ADMIN)
@require_POST
def delivery_redeliver(request, pk, delivery_pk):
    delivery = get_object_or_404(Delivery, pk=delivery_pk, endpoint_id=pk)
    try:
        services.redeliver(delivery)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The delivery is queued again."))
    return redirect("webhook_endpoint_detail", pk=pk)
