from celery import shared_task
from django_tenants.utils import get_public_schema_name, get_tenant_model, tenant_context

from .services import expire_contracts


@shared_task
def expire_ended_contracts():
    """Daily: contracts whose last day has passed become expired, partner by partner."""
    expired = 0
    partners = get_tenant_model().objects.filter(status="active").exclude(
        schema_name=get_public_schema_name())
    for partner in partners:
        with tenant_context(partner):
            expired += expire_contracts()
    return expired
