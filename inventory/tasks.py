import logging
import zlib

from celery import shared_task
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone, translation

from portal.outbox.services import NotYet, enqueue_on_commit, when_given_up
from portal.tenants.branding import current_brand

from .lens import headers, jobs, review
from .models import LensImport

logger = logging.getLogger(__name__)


def _advisory_key(lens_import_id):
    # One lock per import and schema: ids repeat from one partner's schema to the next.
    return zlib.crc32(f"lens-import:{connection.schema_name}:{lens_import_id}".encode())


def claim(lens_import_id):
    """The import, now running, if this delivery of the task may process it; None when it
    has ended. NotYet while another worker holds it: this delivery is not done, and the
    outbox hands it over again after the lease, until it is ended or given up.

    A queued import is claimed under a row lock, so that two deliveries of the task never
    both start it. A running one is taken over only when no worker holds its lock any
    more: the worker that ran it was lost, and as devices and "succeeded" are committed
    together, nothing of it was applied.
    """
    with transaction.atomic():
        lens_import = (LensImport.objects.select_for_update(of=("self",))
                       .select_related("customer", "uploaded_by")
                       .filter(pk=lens_import_id).first())
        if lens_import is None or lens_import.status not in (LensImport.Status.QUEUED,
                                                             LensImport.Status.RUNNING):
            return None
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [_advisory_key(lens_import_id)])
            (locked,) = cursor.fetchone()
        if not locked:
            raise NotYet(f"Lens import {lens_import_id} is held by another worker")
        if lens_import.status == LensImport.Status.RUNNING:
            logger.warning("Lens import %s: taking over from a lost worker", lens_import_id)
        lens_import.status = LensImport.Status.RUNNING
        lens_import.started_at = timezone.now()
        lens_import.processed_rows = 0
        lens_import.save(update_fields=["updated_at", "status", "started_at", "processed_rows"])
    return lens_import


def release(lens_import_id):
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_unlock(%s)", [_advisory_key(lens_import_id)])


def _language(lens_import):
    """Errors are stored as text: in the language of who uploaded the file."""
    supported = {code for code, _name in settings.LANGUAGES}
    user = lens_import.uploaded_by
    if user is not None and user.language in supported:
        return user.language
    default = current_brand().default_language
    return default if default in supported else settings.LANGUAGE_CODE


# Acknowledged once done (acks_late) and, as CELERY_TASK_REJECT_ON_WORKER_LOST is on,
# delivered again if the worker dies: `claim` makes a second delivery harmless. It runs in
# the schema that queued it (tenant-schemas-celery; see portal.tenants.tasks.enqueue_on_commit).
@shared_task(bind=True, acks_late=True)
def run_lens_import(self, lens_import_id):
    lens_import = claim(lens_import_id)
    if lens_import is None:
        return None
    try:
        with translation.override(_language(lens_import)):
            jobs.process_import(lens_import)
    except Exception:
        logger.exception("Lens import %s stopped", lens_import_id)
        with translation.override(_language(lens_import)):
            jobs.fail_unexpectedly(lens_import)
    finally:
        release(lens_import_id)
    return lens_import.status


def _held_elsewhere(lens_import_id):
    """True while a worker holds the import (its lock is taken)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [_advisory_key(lens_import_id)])
        (locked,) = cursor.fetchone()
    if locked:
        release(lens_import_id)
    return not locked


@when_given_up(run_lens_import)
def end_abandoned_import(lens_import_id, handovers=0):
    """The outbox gave up on the import's task (handed over again and again, never
    finished): the import ends failed with its reason and can be retried, unless a worker
    still holds it (that worker ends it)."""
    lens_import = (LensImport.objects.select_related("uploaded_by")
                   .filter(pk=lens_import_id).first())
    if (lens_import is None or not lens_import.in_progress
            or _held_elsewhere(lens_import_id)):
        return
    with translation.override(_language(lens_import)):
        jobs.fail_abandoned(lens_import, handovers)


def retry_import(lens_import):
    """Queues a failed import of the same stored file again (its worker stopped, or it
    stopped on an unexpected error); False when it cannot be retried."""
    with transaction.atomic():
        if not jobs.requeue(lens_import):
            return False
        enqueue_on_commit(run_lens_import, lens_import.pk)
    return True


def queue_import(*, customer, upload, full_export, uploaded_by=None, uploaded_by_csm=""):
    """Stores an uploaded export and queues its import once the transaction commits, in the
    current schema (the upload page and the API). Here, beside the task it queues: the
    Lens modules never import the tasks that run them."""
    with transaction.atomic():
        lens_import = jobs.create_import(customer=customer, upload=upload,
                                         filename=upload.name, full_export=full_export,
                                         uploaded_by=uploaded_by,
                                         uploaded_by_csm=uploaded_by_csm)
        enqueue_on_commit(run_lens_import, lens_import.pk)
    return lens_import


def confirm_review(lens_import, *, user):
    """The uploader confirms an import waiting for review: it is queued again and applies
    exactly what its preview showed, or is refused (inventory.lens.review). Raises
    ValidationError when it is no longer waiting."""
    with transaction.atomic():
        locked = LensImport.objects.select_for_update().get(pk=lens_import.pk)
        review.mark_confirmed(locked, user)
        enqueue_on_commit(run_lens_import, locked.pk)
    return locked


def discard_review(lens_import, *, user):
    """Drops an import waiting for review; nothing of it is applied. Raises ValidationError
    when it is no longer waiting."""
    with transaction.atomic():
        locked = LensImport.objects.select_for_update().get(pk=lens_import.pk)
        review.discard(locked, user)
    return locked
def map_headers_and_queue(lens_import, decisions, *, user=None):
    """Keeps what each unknown column of an import holds (inventory.lens.headers.settle,
    which raises ValidationError) and queues the import again, in the current schema (the
    import page and the API); answers the import."""
    with transaction.atomic():
        lens_import = headers.settle(lens_import.pk, decisions, user)
        enqueue_on_commit(run_lens_import, lens_import.pk)
    return lens_import
