from celery import shared_task

from portal.tenants.schemas import each_active_partner

from . import idempotency


@shared_task
def purge_idempotency_keys():
    """Idempotency keys live in each partner's schema: forget old ones partner by partner."""
    return sum(idempotency.purge() for _ in each_active_partner())
