"""The life of a stored Lens import (`LensImport`): created with its file, then processed
(by the Celery task in inventory.tasks, or at once by `import_now`), its progress and how
it ended recorded on it.

A file with nothing to report takes the database path first (inventory.lens.bulk); any
other is read, checked row by row and written (inventory.lens.reading, .checking and
.writing). Nothing is written unless every row passes.
"""

import logging
import time
from zoneinfo import ZoneInfo

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.csvimport import RowError, gc_paused
from portal.formats import long_date_time

from ..models import LensImport
from . import bulk, checking, headers, reading, review, writing

logger = logging.getLogger(__name__)

# Stored and shown at most; the total is kept too. A file wrong throughout (a column of
# another export) would otherwise fill a page with a hundred thousand identical lines.
MAX_ERRORS = 10_000


def _update(lens_import, **fields):
    """A quick UPDATE of its own: outside any transaction it is seen at once by the page."""
    fields["updated_at"] = timezone.now()  # update() skips auto_now
    LensImport.objects.filter(pk=lens_import.pk).update(**fields)
    for name, value in fields.items():
        setattr(lens_import, name, value)


def _fail(lens_import, errors, can_retry=False):
    _update(lens_import, status=LensImport.Status.FAILED, finished_at=timezone.now(),
            error_count=len(errors), can_retry=can_retry,
            errors=[error.as_dict() for error in errors[:MAX_ERRORS]])


def fail_unexpectedly(lens_import):
    # The apply step is one transaction: whatever went wrong, nothing of it was written.
    _fail(lens_import, [RowError(None, "", _(
        "The import stopped on an unexpected error and nothing was imported. Try again, "
        "or contact support if it happens again."))], can_retry=True)


def fail_abandoned(lens_import, handovers):
    """No worker finished the import, however often it was handed over (workers stopped
    under it, or none is running): as devices and "succeeded" are committed together,
    nothing of it was applied."""
    _fail(lens_import, [RowError(None, "", _(
        "The worker processing this import stopped; nothing was applied. It was handed "
        "to a worker %(count)d times without finishing. Retry it, or contact support if "
        "it happens again.") % {"count": handovers})], can_retry=True)


def requeue(lens_import):
    """Puts a failed, retryable import back in the queue with its stored file; False when
    it is not (anymore) one. The caller queues its task in the same transaction."""
    return bool(LensImport.objects.filter(
        pk=lens_import.pk, status=LensImport.Status.FAILED, can_retry=True).update(
            status=LensImport.Status.QUEUED, can_retry=False, errors=[], error_count=0,
            total_rows=0, processed_rows=0, started_at=None, finished_at=None,
            queued_at=timezone.now(), updated_at=timezone.now()))


def progress_recorder(lens_import, every=0.5):
    """A `progress` callback that records the count at most every `every` seconds: the
    page asks once a second, and each write costs a round trip."""
    last = [0.0]

    def record(count):
        now = time.monotonic()
        if now - last[0] >= every or count >= lens_import.total_rows:
            last[0] = now
            _update(lens_import, processed_rows=count)
    return record


def process_import(lens_import):
    """Checks and applies a claimed (running) import, and records how it ended."""
    # A large file is hundreds of thousands of lists, strings and tuples, none of them in a
    # reference cycle: the cycle collector would walk them over and over while the import
    # runs. It resumes once they are freed, on return from _process_import.
    with gc_paused():
        return _process_import(lens_import)


def _process_import(lens_import):
    customer = lens_import.customer
    try:
        with lens_import.file.open("rb") as stored:
            data = stored.read()
    except OSError:
        logger.exception("Lens import %s: the file cannot be read", lens_import.pk)
        return _fail(lens_import, [RowError(None, "", _(
            "The uploaded file can no longer be read. Upload it again."))])
    # Columns no name is known for: nothing is applied until each is mapped or ignored.
    mappings = headers.remembered()
    unknown, mappable = headers.review_header(data, mappings)
    if unknown:
        return _update(lens_import, status=LensImport.Status.NEEDS_MAPPING,
                       unknown_headers=unknown, mappable_fields=mappable)
    aliases = headers.aliases(mappings)
    try:
        with transaction.atomic():
            # The database path, for a file with nothing to report (inventory.lens.bulk).
            result = bulk.import_file(customer, data, full_export=lens_import.full_export,
                                      lens_import=lens_import, aliases=aliases)
            if result is not None:
                return _succeed(lens_import, result)
        header, columns, body, errors = reading.read_lens_file(data, aliases=aliases)
        if errors:
            return _fail(lens_import, errors)
        _update(lens_import, total_rows=len(body), processed_rows=0)
        rows, errors = checking.validate_lens_rows(customer, header, columns, body,
                                                   progress=progress_recorder(lens_import))
        if errors:
            return _fail(lens_import, errors)
        with transaction.atomic():
            result = writing.apply_lens_rows(customer, rows,
                                             full_export=lens_import.full_export,
                                             lens_import=lens_import)
            return _succeed(lens_import, result)
    except writing.OlderExport as older:
        return _refuse_older(lens_import, older)
    except review.NeedsReview as needed:
        return _await_review(lens_import, needed.review)
    except review.ReviewOutdated:
        return _fail(lens_import, [RowError(None, "", _(
            "The customer's devices changed since this preview was shown, so the file would "
            "no longer do what you confirmed. Nothing was imported: upload the file again "
            "to see a new preview."))])
    except writing.ImportConflict:
        return _fail(lens_import, [RowError(None, "", _(
            "Some of these devices were registered to another customer while the file was "
            "being checked. Nothing was imported: import the file again."))])


def _refuse_older(lens_import, older):
    newest, zone = older.newest, ZoneInfo(lens_import.customer.time_zone)

    def when(moment):
        return long_date_time(timezone.localtime(moment, zone))

    if (older.export_date is not None and newest.export_date is not None
            and older.export_date != newest.export_date):
        message = _(
            "This export is older than one already imported: its latest detection is "
            "%(date)s, and that of “%(newest_file)s” is %(newest_date)s. Nothing was "
            "imported.") % {"date": when(older.export_date), "newest_file":
                            newest.original_filename, "newest_date": when(newest.export_date)}
    else:
        message = _(
            "This file is not newer than “%(newest_file)s”, already imported: that file "
            "was uploaded on %(newest_date)s, this one on %(date)s. Nothing was "
            "imported.") % {"date": when(lens_import.created_at), "newest_file":
                            newest.original_filename, "newest_date": when(newest.created_at)}
    _update(lens_import, export_date=older.export_date)
    _fail(lens_import, [RowError(None, "", message)])


def _await_review(lens_import, preview):
    """Nothing written: the import waits for its uploader to confirm or discard it."""
    _update(lens_import, status=LensImport.Status.REVIEW, finished_at=timezone.now(),
            total_rows=preview.listed, processed_rows=preview.listed,
            review=preview.as_dict(review.review_share()),
            review_fingerprint=preview.fingerprint)


def _succeed(lens_import, result):
    # In the caller's transaction: the devices and "succeeded" are written together.
    _update(lens_import, status=LensImport.Status.SUCCEEDED, finished_at=timezone.now(),
            total_rows=result.listed, processed_rows=result.listed,
            devices_created=result.created, devices_updated=result.updated,
            devices_marked_missing=result.marked_missing, snapshot=result.snapshot,
            export_date=result.export_date)


def create_import(*, customer, upload, filename, full_export=True, uploaded_by=None,
                  uploaded_by_csm=""):
    """Stores the file under a random name and records a queued import."""
    lens_import = LensImport(customer=customer, uploaded_by=uploaded_by,
                             uploaded_by_csm=uploaded_by_csm,
                             original_filename=filename[:255], size=upload.size,
                             full_export=full_export)
    lens_import.file.save(filename, upload, save=False)
    lens_import.save()
    return lens_import


def import_now(customer, data, *, filename="lens-export.csv", full_export=True,
               uploaded_by=None):
    """Stores and processes an export at once, without Celery (demo data, scripts)."""
    lens_import = create_import(customer=customer, upload=ContentFile(data), filename=filename,
                                full_export=full_export, uploaded_by=uploaded_by)
    _update(lens_import, status=LensImport.Status.RUNNING, started_at=timezone.now())
    process_import(lens_import)
    lens_import.refresh_from_db()
    return lens_import


