"""Poly Lens imports in the JSON API: upload an export, follow its import, read its per-row
errors. The upload page's form (customer, size limit), the same queue_import service and the
same visibility as the pages (partner staff only)."""

from datetime import datetime

from django.shortcuts import get_object_or_404
from ninja import Field, File, Form, Query, Router, Schema, Status, UploadedFile

from contracts.models import Customer
from portal.api.auth import require_role
from portal.api.pagination import Page, PageParams, paginate
from portal.api.problems import cleaned
from portal.api.schemas import ERRORS, WRITE_ERRORS, CustomerRef, customer_ref
from portal.users.access import PARTNER_STAFF

from .forms import LensImportForm
from .services import lens_imports_visible_to
from .tasks import confirm_review, discard_review, queue_import

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


class LensImportOut(Schema):
    id: int
    customer: CustomerRef
    filename: str
    size: int
    full_export: bool
    status: str = Field(description="queued, running, succeeded, failed, review (waiting "
                                    "for its uploader to confirm or discard it: see "
                                    "`review`) or review_discarded.")
    percent: int = Field(description="Progress, 0 to 100 (as the import page's bar).")
    total_rows: int
    processed_rows: int = Field(description="Rows checked so far.")
    error_count: int
    errors: list[RowErrorOut] = Field(description="Why nothing was imported, row by row "
                                                  "(the first ones, when there are many).")
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
        "devices_created": lens_import.devices_created,
        "devices_updated": lens_import.devices_updated,
        "devices_marked_missing": lens_import.devices_marked_missing,
        "counts": [{"category": count.category, "covered": count.covered,
                    "uncovered": count.uncovered, "total": count.total} for count in counts],
        "created_at": lens_import.created_at, "started_at": lens_import.started_at,
        "finished_at": lens_import.finished_at,
        "review": lens_import.review or None,
    }


def _imports(user):
    return lens_imports_visible_to(user).select_related("customer", "snapshot")


@router.get("", response={200: Page[LensImportOut], **ERRORS}, summary="List Lens imports")
def list_lens_imports(request, page: Query[PageParams]):
    """Newest first. Errors are listed; snapshot counts are given by each import's own
    operation."""
    user = require_role(request, *PARTNER_STAFF)
    rows, cursor = paginate(_imports(user), page, "-created_at")
    return {"items": [lens_import_out(row) for row in rows], "next": cursor}


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
            summary="Get a Lens import")
def get_lens_import(request, lens_import_id: int):
    """Its status and progress while it runs; the per-row errors if it failed; the
    installed base by category once imported."""
    user = require_role(request, *PARTNER_STAFF)
    lens_import = get_object_or_404(_imports(user), pk=lens_import_id)
    counts = lens_import.snapshot.counts.all() if lens_import.snapshot else ()
    return lens_import_out(lens_import, counts)


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
