"""Look-ups on a partner portal: spare parts, documents and software, firmware compliance."""

from django.db.models import Count, Prefetch, Q
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.utils import timezone

from contracts.models import visible_customers_q
from portal.catalogue.models import Document, ProductModel, SoftwareRelease
from portal.catalogue.services import catalogue_file, open_catalogue_file, search_parts
from portal.users.access import EVERYONE_OF_PARTNER, role_required

from .coverage import outdated_firmware_q
from .entitlements import entitled_models, may_download
from .models import Device, Licence


@role_required(*EVERYONE_OF_PARTNER)
def licence_lookup(request):
    query = request.GET.get("q", "").strip()
    licences = []
    if query:
        licences = (Licence.objects
                    .filter(visible_customers_q(request.user))
                    .filter(Q(key__icontains=query) | Q(device__serial__icontains=query))
                    .select_related("product_model", "customer", "device"))
    return render(request, "inventory/licence_lookup.html", {
        "licences": licences, "query": query})


@role_required(*EVERYONE_OF_PARTNER)
def part_lookup(request):
    query = request.GET.get("q", "").strip()
    parts = search_parts(q=query) if query else []
    return render(request, "inventory/part_lookup.html", {"parts": parts, "query": query})


@role_required(*EVERYONE_OF_PARTNER)
def downloads(request):
    today = timezone.localdate()
    query = request.GET.get("q", "").strip()
    products = ProductModel.objects.filter(
        Q(documents__isnull=False) | Q(releases__isnull=False)).distinct().prefetch_related(
        Prefetch("documents", queryset=Document.objects.order_by("kind", "title")),
        Prefetch("releases", queryset=SoftwareRelease.objects.order_by("-release_date")))
    if query:
        products = products.filter(Q(sku__icontains=query) | Q(name__icontains=query)
                                   | Q(family__icontains=query))
    return render(request, "inventory/downloads.html", {
        "products": entitled_models(request.user, products, today), "query": query})


@role_required(*EVERYONE_OF_PARTNER)
def download(request, kind, pk):
    """A file of a covered model, under its own name; anything else is 404."""
    item = catalogue_file(kind, pk)
    if item is None or not may_download(request.user, item, timezone.localdate()):
        raise Http404
    try:
        handle = open_catalogue_file(item)
    except FileNotFoundError as exc:
        raise Http404 from exc
    return FileResponse(handle, as_attachment=True, filename=item.download_name)


@role_required(*EVERYONE_OF_PARTNER)
def firmware_compliance(request):
    devices = Device.objects.filter(visible_customers_q(request.user),
                                    status=Device.Status.ACTIVE)
    rows = (devices.values("product_model__sku", "product_model__name",
                           "product_model__current_firmware")
            .annotate(total=Count("pk"),
                      outdated=Count("pk", filter=outdated_firmware_q()))
            .order_by("-outdated", "product_model__name"))
    return render(request, "inventory/firmware_compliance.html", {"rows": rows})
