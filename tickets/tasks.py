from celery import shared_task

from portal.tenants.schemas import each_active_partner

from .rma.services import send_return_reminders
from .services import record_breaches


@shared_task
def record_sla_breaches():
    """Every few minutes: record the SLA targets missed since the last run, partner by
    partner. Each breach keeps its exact due instant, whenever it is recorded."""
    return sum(record_breaches() for _ in each_active_partner())


@shared_task
def remind_defective_unit_returns():
    """Daily: a reminder for each replacement whose defective unit has not come back within
    RMA_RETURN_REMINDER_DAYS of delivery (again every that many days)."""
    return sum(send_return_reminders() for _ in each_active_partner())
