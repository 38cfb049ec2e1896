from celery import shared_task
from django_tenants.utils import get_tenant_model, tenant_context

from . import idempotency


@shared_task
def purge_idempotency_keys():
    """Idempotency keys live in each partner's schema: forget old ones partner by partner."""
    removed = 0
    for tenant in get_tenant_model().objects.partners().filter(status="active"):
        with tenant_context(tenant):
            removed += idempotency.purge()
    return removed
