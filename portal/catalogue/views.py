
from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.csvexport import csv_response
from portal.submissions.once import created, sent_once
from portal.users.access import VENDOR_ADMIN, VENDOR_STAFF, role_required
from portal.users.models import Role

from . import imports, services
from .eligibility import is_eligible
from .forms import (
    CatalogueImportForm,
    DocumentForm,
    ProductFilterForm,
    ProductModelForm,
    SoftwareReleaseForm,
    SparePartFilterForm,
    SparePartForm,
)
from .models import Category, ProductModel, QuoteOnlyLine, SparePart
from .services import search_products

# The import reads these very columns, so an export can be imported as-is.
CSV_COLUMNS = imports.COLUMNS


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
    return csv_response("catalogue.csv", CSV_COLUMNS, (
        ["" if value is None else value
         for value in (getattr(product, column) for column in CSV_COLUMNS)]
        for product in products))


@role_required(*VENDOR_ADMIN)
@sent_once
def product_create(request):
    form = ProductModelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        product = form.save()
        created(request, product, url=reverse("catalogue_product_detail", args=[product.pk]))
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


@role_required(*VENDOR_ADMIN)
@sent_once
def catalogue_import(request):
    form = CatalogueImportForm(request.POST or None, request.FILES or None)
    errors = []
    if request.method == "POST" and form.is_valid():
        result, errors = imports.import_catalogue_csv(form.cleaned_data["file"])
        if result is not None:
            created(request)
            messages.success(request, _(
                "Catalogue imported. Product models created: %(created)d; updated: "
                "%(updated)d; unchanged: %(unchanged)d.") % {
                    "created": result.created, "updated": result.updated,
                    "unchanged": result.unchanged})
            return redirect("catalogue_product_list")
    return render(request, "catalogue/import.html", {
        "form": form, "errors": errors, "columns": imports.COLUMNS,
        "required_columns": imports.REQUIRED_COLUMNS, "max_bytes": imports.max_bytes(),
        "categories": Category.values, "lines": [v for v in QuoteOnlyLine.values if v]})


def _detail(request, product, document_form=None, release_form=None):
    context = {
        "product": product,
        "eligible": is_eligible(product, timezone.localdate()),
        "documents": product.documents.all(),
        "releases": product.releases.all(),
        "parts": product.spare_parts.all(),
    }
    if request.user.role == Role.VENDOR_ADMIN:
        context["document_form"] = document_form or DocumentForm()
        context["release_form"] = release_form or SoftwareReleaseForm(product_model=product)
    return render(request, "catalogue/product_detail.html", context)


@role_required(*VENDOR_STAFF)
def product_detail(request, pk):
    return _detail(request, get_object_or_404(ProductModel, pk=pk))


@role_required(*VENDOR_ADMIN)
@require_POST
@sent_once
def document_add(request, pk):
    product = get_object_or_404(ProductModel, pk=pk)
    form = DocumentForm(request.POST, request.FILES)
    if not form.is_valid():
        return _detail(request, product, document_form=form)
    document = services.add_document(product, **form.cleaned_data)
    created(request, document)
    messages.success(request, _("The document %(title)s has been added.") % {
        "title": document.title})
    return redirect("catalogue_product_detail", pk=product.pk)


@role_required(*VENDOR_ADMIN)
@require_POST
@sent_once
def release_add(request, pk):
    product = get_object_or_404(ProductModel, pk=pk)
    form = SoftwareReleaseForm(request.POST, request.FILES, product_model=product)
    if not form.is_valid():
        return _detail(request, product, release_form=form)
    release = services.add_release(product, **form.cleaned_data)
    created(request, release)
    messages.success(request, _("Release %(version)s has been added.") % {
        "version": release.version})
    return redirect("catalogue_product_detail", pk=product.pk)


@role_required(*VENDOR_STAFF)
def file_download(request, kind, pk):
    """Streams a document or release under its original name; the storage path stays inside."""
    item = services.catalogue_file(kind, pk)
    if item is None:
        raise Http404
    try:
        handle = services.open_catalogue_file(item)
    except FileNotFoundError as exc:
        raise Http404 from exc
    return FileResponse(handle, as_attachment=True, filename=item.download_name)


PART_CSV_COLUMNS = ["part_number", "description", "compatible_models"]


@role_required(*VENDOR_STAFF)
def part_list(request):
    filters = SparePartFilterForm(request.GET or None)
    criteria = filters.cleaned_data if filters.is_valid() else {}
    parts = services.search_parts(**criteria)
    if request.GET.get("format") == "csv":
        return parts_csv(parts)
    return render(request, "catalogue/part_list.html", {"filters": filters, "parts": parts})


def parts_csv(parts):
    return csv_response("spare-parts.csv", PART_CSV_COLUMNS, (
        [part.part_number, part.description,
         ", ".join(model.sku for model in part.compatible_models.all())]
        for part in parts))


@role_required(*VENDOR_ADMIN)
@sent_once
def part_create(request):
    form = SparePartForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        part = form.save()
        created(request, part)
        messages.success(request, _("%(part)s has been added.") % {"part": part.part_number})
        return redirect("catalogue_part_list")
    return render(request, "catalogue/part_form.html", {"form": form})


@role_required(*VENDOR_ADMIN)
def part_edit(request, pk):
    part = get_object_or_404(SparePart, pk=pk)
    form = SparePartForm(request.POST or None, instance=part)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("%(part)s has been saved.") % {"part": part.part_number})
        return redirect("catalogue_part_list")
    return render(request, "catalogue/part_form.html", {"form": form, "part": part})
