from celery import shared_task

from portal.tenants.schemas import each_active_partner

from .services import expire_contracts


@shared_task
def expire_ended_contracts():
    """Daily: contracts whose last day has passed become expired, partner by partner."""
    return sum(expire_contracts() for _ in each_active_partner())
