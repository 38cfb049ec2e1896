from celery import shared_task
from django.contrib.sessions.models import Session
from django.utils import timezone
from django_tenants.utils import get_tenant_model, tenant_context


@shared_task
def clear_expired_sessions():
    """Sessions live in each partner's schema: purge them partner by partner."""
    removed = 0
    for tenant in get_tenant_model().objects.filter(status="active"):
        with tenant_context(tenant):
            removed += Session.objects.filter(expire_date__lt=timezone.now()).delete()[0]
    return removed
