"""Poly Lens imports in the JSON API: upload an export, follow its import, read its per-row
errors. The upload page's form (customer, size limit), the same queue_import service and the
same visibility as the pages (partner staff only)."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema, Status, UploadedFile

from contracts.models import Customer
from portal.api.auth import require_role
from portal.api.conditional import CONDITIONAL_OPENAPI, conditional
from portal.api.pagination import Page, PageParams, SyncParams, paginate_synced
from portal.api.problems import cleaned
from portal.api.schemas import ERRORS, WRITE_ERRORS, CustomerRef, customer_ref
from portal.users.access import PARTNER_STAFF

from .forms import LensImportForm
from .lens.columns import COLUMNS
from .services import lens_imports_visible_to
from .tasks import confirm_review, discard_review, map_headers_and_queue, queue_import

router = Router(tags=["Poly Lens imports"])


class RowErrorOut(Schema):
    line: int | None = Field(description="Line of the file (the header is line 1); null "
                                         "for the file as a whole.")
    column: str
    message: str


class CountOut(Schema):
    category: str
    covered: int
    uncovered: int
    total: int


class ReviewCategoryOut(Schema):
    category: str
    new: int
    new_sample: list[str] = Field(description="Some of the new serial numbers.")
    changed: int
    changed_sample: list[str]
    not_seen: int
    not_seen_sample: list[str]


class ReviewOut(Schema):
    base: int = Field(description="The customer's active devices before the import.")
    share: str = Field(description="The share of them above which an import waits for "
                                   "review, e.g. \"0.10\".")
    new: int
    changed: int = Field(description="Devices whose model, site, room, MAC address or "
                                     "firmware would change, or that are seen again.")
    not_seen: int = Field(description="Active devices the export does not list, that would "
                                      "be marked as not seen.")
    categories: list[ReviewCategoryOut]


class HeaderWarningOut(Schema):
    header: str = Field(description="The column as the file names it.")
    samples: list[str] = Field(description="A few of its values, from the first rows.")
    message: str


class LensImportOut(Schema):
    id: int
    customer: CustomerRef
    filename: str
    size: int
    full_export: bool
    status: str = Field(description="queued, running, succeeded, failed; needs_mapping: "
                                    "the file has columns that no known name maps to a "
                                    "field (`warnings`) and nothing is applied until each "
                                    "is mapped or ignored with the import's mapping "
                                    "operation; review: waiting for its uploader to "
                                    "confirm or discard it (see `review`); or "
                                    "review_discarded.")
    percent: int = Field(description="Progress, 0 to 100 (as the import page's bar).")
    total_rows: int
    processed_rows: int = Field(description="Rows checked so far.")
    error_count: int
    errors: list[RowErrorOut] = Field(description="Why nothing was imported, row by row "
                                                  "(the first ones, when there are many).")
    warnings: list[HeaderWarningOut] = Field(
        description="While the status is needs_mapping: each column that no known name "
                    "maps to a field, with a few of its values.")
    mappable_fields: list[str] = Field(
        description="While the status is needs_mapping: the fields the file lacks, which "
                    "those columns may be mapped to (serial, model, firmware, site, room, "
                    "mac, last_detected).")
    devices_created: int
    devices_updated: int
    devices_marked_missing: int = Field(description="Devices absent from a full export, "
                                                    "marked as not seen (not deleted).")
    counts: list[CountOut] = Field(description="The installed base once imported, by "
                                               "category.")
    review: ReviewOut | None = Field(description="What a full export would do, when it "
                                                 "marks as not seen, or changes, more than "
                                                 "a share of the customer's active devices: "
                                                 "nothing is imported until it is confirmed.")
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    updated_at: datetime


class LensImportIn(Schema):
    site_id: str = Field(description="The customer's Site ID.")
    full_export: bool = Field(description="The file lists every device of the customer: "
                                          "devices it does not list are marked as not seen "
                                          "(they are not deleted).")


def lens_import_out(lens_import, counts=()):
    return {
        "id": lens_import.pk, "customer": customer_ref(lens_import.customer),
        "filename": lens_import.original_filename, "size": lens_import.size,
        "full_export": lens_import.full_export, "status": lens_import.status,
        "percent": lens_import.percent, "total_rows": lens_import.total_rows,
        "processed_rows": lens_import.processed_rows,
        "error_count": lens_import.error_count,
        "errors": [{"line": error.get("line"), "column": error.get("column") or "",
                    "message": error.get("message") or ""} for error in lens_import.errors],
        "warnings": [{"header": column["header"], "samples": column.get("samples", []),
                      "message": _("No known name maps this column to a field: map it or "
                                   "ignore it.")}
                     for column in lens_import.unknown_headers],
        "mappable_fields": lens_import.mappable_fields,
        "devices_created": lens_import.devices_created,
        "devices_updated": lens_import.devices_updated,
        "devices_marked_missing": lens_import.devices_marked_missing,
        "counts": [{"category": count.category, "covered": count.covered,
                    "uncovered": count.uncovered, "total": count.total} for count in counts],
        "created_at": lens_import.created_at, "started_at": lens_import.started_at,
        "finished_at": lens_import.finished_at, "updated_at": lens_import.updated_at,
        "review": lens_import.review or None,
    }


def _imports(user):
    return lens_imports_visible_to(user).select_related("customer", "snapshot")


@router.get("", response={200: Page[LensImportOut], **ERRORS}, summary="List Lens imports",
            openapi_extra=CONDITIONAL_OPENAPI)
def list_lens_imports(request, response: HttpResponse, sync: Query[SyncParams],
                      page: Query[PageParams]):
    """Newest first. Errors are listed; snapshot counts are given by each import's own
    operation."""
    user = require_role(request, *PARTNER_STAFF)
    rows, cursor = paginate_synced(_imports(user), page, sync, "-created_at")
    return conditional(request, response, {"items": [lens_import_out(row) for row in rows],
                                           "next": cursor})


@router.post("", response={202: LensImportOut, **WRITE_ERRORS},
             summary="Upload a Poly Lens export")
def create_lens_import(request, file: File[UploadedFile], fields: Form[LensImportIn]):
    """Stores the export (multipart/form-data) and queues its import: answered at once
    (202); follow it with the import's own operation. All or nothing: either every row is
    applied or none, with the errors of each row."""
    user = require_role(request, *PARTNER_STAFF)
    form = LensImportForm({"customer": fields.site_id.strip().upper(),
                           "full_export": fields.full_export},
                          {"file": file}, customers=Customer.objects.visible_to(user))
    form.fields["customer"].to_field_name = "site_id"
    data = cleaned(form, {"customer": "site_id"})
    lens_import = queue_import(customer=form.chosen_customer(), upload=data["file"],
                               full_export=data["full_export"], uploaded_by=user)
    return Status(202, lens_import_out(_imports(user).get(pk=lens_import.pk)))


@router.get("/{lens_import_id}", response={200: LensImportOut, **ERRORS},
            summary="Get a Lens import", openapi_extra=CONDITIONAL_OPENAPI)
def get_lens_import(request, response: HttpResponse, lens_import_id: int):
    """Its status and progress while it runs; the per-row errors if it failed; the
    installed base by category once imported."""
    user = require_role(request, *PARTNER_STAFF)
    lens_import = get_object_or_404(_imports(user), pk=lens_import_id)
    counts = lens_import.snapshot.counts.all() if lens_import.snapshot else ()
    return conditional(request, response, lens_import_out(lens_import, counts))


@router.post("/{lens_import_id}/review/confirm", response={202: LensImportOut, **WRITE_ERRORS},
             summary="Confirm a Lens import waiting for review")
def confirm_lens_import_review(request, lens_import_id: int):
    """For an import in status `review`: queues it again to apply exactly what its `review`
    shows (202; follow it with the import's own operation). It fails, with nothing
    imported, if the customer's devices changed since the preview or a newer export was
    imported meanwhile. 422 when the import is not waiting for review."""
    user = require_role(request, *PARTNER_STAFF)
    lens_import = get_object_or_404(_imports(user), pk=lens_import_id)
    confirm_review(lens_import, user=user)
    return Status(202, lens_import_out(_imports(user).get(pk=lens_import.pk)))


@router.post("/{lens_import_id}/review/discard", response={200: LensImportOut, **WRITE_ERRORS},
             summary="Discard a Lens import waiting for review")
def discard_lens_import_review(request, lens_import_id: int):
    """For an import in status `review`: drops it, nothing of it is imported (status
    review_discarded). 422 when the import is not waiting for review."""
    user = require_role(request, *PARTNER_STAFF)
    lens_import = get_object_or_404(_imports(user), pk=lens_import_id)
    discard_review(lens_import, user=user)
    return lens_import_out(_imports(user).get(pk=lens_import.pk))
class ColumnMappingIn(Schema):
    header: str = Field(description="The column as the file names it (a warning's header).")
    field: str | None = Field(description="The field it holds (one of mappable_fields), or "
                                          "null to ignore the column.")


class HeaderMappingIn(Schema):
    columns: list[ColumnMappingIn] = Field(description="One entry for every warning.")


@router.post("/{lens_import_id}/mapping", response={202: LensImportOut, **WRITE_ERRORS},
             summary="Map or ignore the unknown columns of a Lens import, and apply it")
def map_lens_import_headers(request, lens_import_id: int, payload: HeaderMappingIn):
    """For an import whose status is needs_mapping: says what each column of its warnings
    holds, or that it is ignored, and queues the import again (202); follow it with the
    import's own operation. The choices are kept for the partner's later exports (the
    Lens column names page). 422 when the import is not waiting for this, or when a column
    is left out, mapped to a field it cannot hold or to a field given twice."""
    user = require_role(request, *PARTNER_STAFF)
    lens_import = get_object_or_404(_imports(user), pk=lens_import_id)
    decisions = {}
    for column in payload.columns:
        if column.field is not None and column.field not in COLUMNS:
            raise ValidationError({column.header: [_(
                "“%(field)s” is not a field this column can hold.") % {
                    "field": column.field}]})
        decisions[column.header] = column.field or ""
    map_headers_and_queue(lens_import, decisions, user=user)
    return Status(202, lens_import_out(_imports(user).get(pk=lens_import.pk)))
