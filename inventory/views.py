
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.db.models import F
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from contracts.models import Customer
from portal.catalogue.models import ProductModel
from portal.csvexport import csv_response
from portal.errors import add_to_form
from portal.lists import CountedApart, Table, filtered, sorted_by, whole_list_order
from portal.submissions.once import created, sent_once
from portal.users.access import (
    EVERYONE_OF_PARTNER,
    PARTNER_ADMIN,
    PARTNER_STAFF,
    role_required,
)
from portal.users.models import Role

from . import registration, services
from .coverage import with_coverage
from .filters import DEVICE_SORTS, DeviceFilterSet
from .forms import (
    BulkRegistrationForm,
    HeaderMappingForm,
    LensHeaderMappingForm,
    LensImportForm,
    RegistrationForm,
)
from .lens import columns, reading
from .models import LensHeaderMapping, LensImport
from .services import (
    devices_prepared_for,
    devices_visible_to,
    lens_imports_retryable_by,
    lens_imports_visible_to,
)
from .tables import device_columns
from .tasks import (
    confirm_review,
    discard_review,
    map_headers_and_queue,
    queue_import,
    retry_import,
)

PAGE_SIZE = 50

# What the list's cells and the coverage of its rows read (tables.py, coverage.py): the
# rows' other columns, above all their dates and the customer's, cost more to read and
# convert than the page's own cells.
DEVICE_LIST_FIELDS = ["serial", "customer", "site", "room", "firmware_version", "status",
                      "last_seen", "product_model__sku", "product_model__name",
                      "product_model__category", "product_model__quote_only_line",
                      "product_model__end_of_life", "product_model__end_of_service",
                      "product_model__current_firmware"]


def _as_listed(devices):
    """The list's rows with their model, and their customer's name as a value of the row
    (`customer_name`, all the list shows of it): no customer instance for each row."""
    return devices.select_related(None).select_related("product_model").only(
        *DEVICE_LIST_FIELDS).annotate(customer_name=F("customer__name"))


@role_required(*EVERYONE_OF_PARTNER)
def device_list(request):
    today = timezone.localdate()
    filters = DeviceFilterSet(request.GET or None, today=today, queryset=devices_visible_to(
        request.user).select_related("product_model", "customer"))
    sort = request.GET.get("sort")
    if request.GET.get("format") == "csv":
        return devices_csv(sorted_by(filtered(filters), sort, DEVICE_SORTS), today)
    order = whole_list_order(request, DEVICE_SORTS)
    prepared = None if order is None else devices_prepared_for(request.user)
    if prepared is not None:
        devices = prepared.narrowed(f"sorted:{order}", lambda queryset: sorted_by(
            queryset, order, DEVICE_SORTS))
    else:
        devices = sorted_by(filtered(filters), sort, DEVICE_SORTS)
    page = Paginator(CountedApart.of(devices, _as_listed), PAGE_SIZE).get_page(
        request.GET.get("page"))
    rows = with_coverage(page.object_list, today)
    return render(request, "inventory/device_list.html", {
        "filters": filters.form, "page": page, "rows": rows,
        "table": Table(device_columns(request.user), rows, sort=sort,
                       empty=_("No devices match.")),
    })


DEVICE_CSV_COLUMNS = ["serial", "sku", "model", "category", "site_id", "customer", "site",
                      "room", "mac_address", "firmware", "status", "source", "covered",
                      "why_not", "last_seen"]


def devices_csv(devices, today):
    def rows():
        # In chunks, so that coverage is looked up once per chunk, not once per device.
        for start in range(0, devices.count(), 2000):
            for device, result in with_coverage(devices.order_by("pk")[start:start + 2000],
                                                today):
                yield [device.serial, device.product_model.sku, device.product_model.name,
                       device.product_model.category, device.customer.site_id,
                       device.customer.name, device.site, device.room, device.mac_address,
                       device.firmware_version, device.status, device.source,
                       "yes" if result.covered else "no",
                       " ".join(str(m) for m in result.messages),
                       device.last_seen.isoformat() if device.last_seen else ""]
    return csv_response("devices.csv", DEVICE_CSV_COLUMNS, rows())


@role_required(*EVERYONE_OF_PARTNER)
@sent_once
def device_register(request):
    user = request.user
    fixed = user.customer if user.role == Role.CUSTOMER_USER else None
    form = RegistrationForm(request.POST or None, customers=Customer.objects.visible_to(user),
                            fixed_customer=fixed)
    if request.method == "POST" and form.is_valid():
        try:
            device = services.register_device(
                customer=form.chosen_customer(), serial=form.cleaned_data["serial"],
                sku=form.cleaned_data["model"], site=form.cleaned_data["site"],
                room=form.cleaned_data["room"], precise=fixed is None)
        except ValidationError as error:
            add_to_form(form, error)
        else:
            created(request, device)
            messages.success(request, _("Device %(serial)s is registered.") % {
                "serial": device.serial})
            return redirect("device_detail", pk=device.pk)
    return render(request, "inventory/device_register.html", {
        "form": form,
        "product_models": ProductModel.objects.filter(quote_only_line="").only("sku", "name"),
    })


def _fixed_customer(user):
    return user.customer if user.role == Role.CUSTOMER_USER else None


@role_required(*EVERYONE_OF_PARTNER)
@sent_once
def device_register_bulk(request):
    """Several devices from a CSV file: all of them, or none with every error listed."""
    user = request.user
    form = BulkRegistrationForm(request.POST or None, request.FILES or None,
                                customers=Customer.objects.visible_to(user),
                                fixed_customer=_fixed_customer(user))
    errors = []
    if request.method == "POST" and form.is_valid():
        customer = form.chosen_customer()
        rows, errors = registration.parse_registration_csv(
            customer, form.cleaned_data["file"], timezone.localdate(),
            precise=user.role != Role.CUSTOMER_USER)
        if not errors:
            try:
                count = registration.register_devices(customer, rows, user=user)
            except IntegrityError:
                form.add_error(None, _("A device of the file was registered by someone else "
                                       "meanwhile. Nothing was registered: try again."))
            else:
                created(request)
                messages.success(request, ngettext(
                    "%(count)d device is registered.", "%(count)d devices are registered.",
                    count) % {"count": count})
                return redirect("device_list")
    return render(request, "inventory/device_register_bulk.html", {
        "form": form, "errors": errors, "columns": registration.REGISTRATION_COLUMNS,
        "required_columns": registration.REGISTRATION_REQUIRED,
        "max_bytes": registration.registration_max_bytes(),
    })


@role_required(*PARTNER_STAFF)
def lens_import_list(request):
    imports = lens_imports_visible_to(request.user).select_related("customer", "uploaded_by")
    page = Paginator(imports, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "inventory/lens_import_list.html", {"page": page})


@role_required(*PARTNER_STAFF)
@sent_once
def lens_import_create(request):
    """Stores the file and queues the import: the page answers at once, the worker does
    the rest and the import's page shows how far it got."""
    form = LensImportForm(request.POST or None, request.FILES or None,
                          customers=Customer.objects.visible_to(request.user))
    if request.method == "POST" and form.is_valid():
        lens_import = queue_import(
            customer=form.chosen_customer(), upload=form.cleaned_data["file"],
            full_export=form.cleaned_data["full_export"], uploaded_by=request.user)
        created(request, lens_import)
        return redirect("lens_import_detail", pk=lens_import.pk)
    return render(request, "inventory/lens_import_form.html", {
        "form": form, "max_bytes": reading.max_bytes(),
        "headers": [(columns.field_label(field), names)
                    for field, names in columns.LENS_HEADERS.items()]})


def _lens_import(request, pk):
    return get_object_or_404(
        lens_imports_visible_to(request.user).select_related("customer", "uploaded_by",
                                                             "snapshot"), pk=pk)


def _lens_import_page(request, lens_import, mapping_form=None):
    counts = lens_import.snapshot.counts.all() if lens_import.snapshot else []
    if lens_import.status == LensImport.Status.NEEDS_MAPPING and mapping_form is None:
        mapping_form = HeaderMappingForm(lens_import=lens_import)
    may_retry = (lens_import.can_retry
                 and lens_imports_retryable_by(request.user).filter(pk=lens_import.pk).exists())
    context = {"lens_import": lens_import, "counts": counts, "mapping_form": mapping_form,
               "may_retry": may_retry}
    if request.htmx:
        return render(request, "inventory/partials/lens_import_progress.html", context)
    return render(request, "inventory/lens_import_detail.html", context)


@role_required(*PARTNER_STAFF)
def lens_import_detail(request, pk):
    return _lens_import_page(request, _lens_import(request, pk))


@role_required(*PARTNER_STAFF)
@require_POST
def lens_import_mapping(request, pk):
    """What each column known by no name holds, or that it is ignored: kept for the
    partner's later files, and the import queued again."""
    lens_import = _lens_import(request, pk)
    form = HeaderMappingForm(request.POST, lens_import=lens_import)
    if lens_import.status == LensImport.Status.NEEDS_MAPPING and form.is_valid():
        try:
            map_headers_and_queue(lens_import, form.decisions(), user=request.user)
        except ValidationError as error:
            add_to_form(form, error)
        else:
            messages.success(request, _("The columns are mapped: the import goes on."))
            return redirect("lens_import_detail", pk=lens_import.pk)
    elif lens_import.status != LensImport.Status.NEEDS_MAPPING:
        return redirect("lens_import_detail", pk=lens_import.pk)
    return _lens_import_page(request, lens_import, form)


@role_required(*PARTNER_ADMIN)
def lens_header_mapping_list(request):
    """The partner's own names of Lens columns, applied to every later export."""
    mappings = LensHeaderMapping.objects.select_related("updated_by")
    return render(request, "inventory/lens_header_mapping_list.html", {
        "mappings": [(mapping, columns.field_label(mapping.field) if mapping.field in
                      columns.COLUMNS else "") for mapping in mappings]})


@role_required(*PARTNER_ADMIN)
def lens_header_mapping_edit(request, pk):
    mapping = get_object_or_404(LensHeaderMapping, pk=pk)
    form = LensHeaderMappingForm(request.POST or None, instance=mapping)
    if request.method == "POST" and form.is_valid():
        mapping = form.save(commit=False)
        mapping.updated_by = request.user
        mapping.save()
        messages.success(request, _("The column “%(header)s” is saved.") % {
            "header": mapping.header})
        return redirect("lens_header_mapping_list")
    return render(request, "inventory/lens_header_mapping_edit.html",
                  {"mapping": mapping, "form": form})


@role_required(*PARTNER_ADMIN)
@require_POST
def lens_header_mapping_delete(request, pk):
    mapping = get_object_or_404(LensHeaderMapping, pk=pk)
    mapping.delete()
    messages.success(request, _("The column “%(header)s” is forgotten: the next export that "
                                "has it asks again.") % {"header": mapping.header})
    return redirect("lens_header_mapping_list")


def _decide_review(request, pk, decide, done):
    lens_import = get_object_or_404(lens_imports_visible_to(request.user), pk=pk)
    try:
        decide(lens_import, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done)
    return redirect("lens_import_detail", pk=lens_import.pk)


@role_required(*PARTNER_STAFF)
@require_POST
def lens_import_review_confirm(request, pk):
    return _decide_review(request, pk, confirm_review,
                          _("Confirmed: the import is applied as previewed."))


@role_required(*PARTNER_STAFF)
@require_POST
def lens_import_review_discard(request, pk):
    return _decide_review(request, pk, discard_review,
                          _("Discarded: nothing of this file was imported."))


@role_required(*PARTNER_STAFF)
@require_POST
def lens_import_retry(request, pk):
    """Queues the same stored file again, when its worker stopped under it."""
    lens_import = get_object_or_404(lens_imports_retryable_by(request.user), pk=pk)
    if retry_import(lens_import):
        messages.success(request, _("The import is queued again."))
    return redirect("lens_import_detail", pk=lens_import.pk)
