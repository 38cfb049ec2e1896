from celery import shared_task
from django_tenants.utils import get_public_schema_name, get_tenant_model, tenant_context

from .services import record_breaches


@shared_task
def record_sla_breaches():
    """Every few minutes: record the SLA targets missed since the last run, partner by
    partner. Each breach keeps its exact due instant, whenever it is recorded."""
    recorded = 0
    partners = get_tenant_model().objects.filter(status="active").exclude(
        schema_name=get_public_schema_name())
    for partner in partners:
        with tenant_context(partner):
            recorded += record_breaches()
    return recorded
