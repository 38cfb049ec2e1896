from datetime import date

from celery import shared_task
from django.utils import timezone

from contracts.models import Customer
from portal.tenants.schemas import each_active_partner
from portal.tenants.tasks import enqueue_on_commit

from .services import count_done, customers_to_report, generate_report, previous_month


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True,
             autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def generate_monthly_report(self, customer_id, month, run_id=None):
    """One customer's report. Delivered again after a lost worker, it finds the report it
    made (one per customer and month) and leaves it or its draft as one."""
    customer = Customer.objects.filter(pk=customer_id).first()
    if customer is not None:
        generate_report(customer, date.fromisoformat(month))
    if run_id is not None:
        count_done(run_id)


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
