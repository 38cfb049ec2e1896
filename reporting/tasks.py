import logging
from datetime import date

from celery import shared_task
from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from contracts.models import Customer
from portal.outbox.services import enqueue_on_commit, when_given_up
from portal.tenants.branding import current_brand
from portal.tenants.schemas import each_active_partner

from .services import (
    count_done,
    customers_to_report,
    generate_report,
    previous_month,
    record_failure,
)

logger = logging.getLogger(__name__)

# What is kept of a failure's message on the run's page.
REASON_MAX_LENGTH = 1000


def retry_delay(retries):
    """Seconds before the next attempt: doubling from the base, capped."""
    return min(settings.REPORT_TASK_RETRY_BACKOFF_MAX,
               settings.REPORT_TASK_RETRY_BACKOFF * 2 ** retries)


def _drop_broken_connection():
    # A cut connection stays broken in this thread: the next attempt (at once, when tasks
    # run eagerly) must open a new one. Never inside a caller's transaction.
    if not connection.in_atomic_block:
        connection.close_if_unusable_or_obsolete()


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True)
def generate_monthly_report(self, customer_id, month, run_id=None):
    """One customer's report. Delivered again after a lost worker, it finds the report it
    made (one per customer and month) and leaves it or its draft as one, and its run counts
    it once. Any failure is tried again with a growing delay, a bounded number of times,
    then recorded as failed with its reason on the run, which therefore always ends."""
    retries = self.request.retries
    while True:
        try:
            customer = Customer.objects.filter(pk=customer_id).first()
            if customer is not None:
                generate_report(customer, date.fromisoformat(month))
            if run_id is not None:
                count_done(run_id, customer_id, retries + 1)
            return
        except Exception as error:
            _drop_broken_connection()
            if retries >= settings.REPORT_TASK_MAX_RETRIES:
                logger.exception("Report of customer %s for %s failed after %s attempts",
                                 customer_id, month, retries + 1)
                if run_id is not None:
                    reason = f"{type(error).__name__}: {error}".strip()[:REASON_MAX_LENGTH]
                    record_failure(run_id, customer_id, reason, retries + 1)
                return
            logger.warning("Report of customer %s for %s failed (attempt %s), retrying: %r",
                           customer_id, month, retries + 1, error)
            if not self.request.is_eager:
                raise self.retry(exc=error, countdown=retry_delay(retries),
                                 max_retries=settings.REPORT_TASK_MAX_RETRIES) from error
            # Run eagerly (tests, CELERY_TASK_ALWAYS_EAGER), Celery hands the Retry to the
            # caller instead of trying again: try again here, at once.
            retries += 1


@when_given_up(generate_monthly_report)
def end_abandoned_report(customer_id, month, run_id=None, handovers=0):
    """The outbox gave up on the report's task: its run records it as failed with the
    reason, so that the run ends and Retry failed can queue it again."""
    if run_id is None:
        return
    with override(current_brand().default_language):
        reason = _("The worker processing this report stopped; it was handed to a worker "
                   "%(count)d times without finishing.") % {"count": handovers}
    record_failure(run_id, customer_id, reason, handovers)


@shared_task
def queue_monthly_reports(month=None):
    """On the first day of each month: last month's report of every customer under
    contract, partner by partner, one task each."""
    month = date.fromisoformat(month) if month else previous_month(timezone.localdate())
    queued = 0
    for _partner in each_active_partner():
        for customer_id in customers_to_report(month).values_list("pk", flat=True):
            enqueue_on_commit(generate_monthly_report, customer_id, month.isoformat())
            queued += 1
    return queued
