from celery import shared_task
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
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


@shared_task(bind=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_invitation(self, user_id, invited_by_id=None):
    """Runs in the schema that queued it, so `user_id` is a user of that portal."""
    from .models import User
    from .services import deliver_invitation

    user = User.objects.filter(
        pk=user_id, is_active=True, password__startswith=UNUSABLE_PASSWORD_PREFIX
    ).first()
    if user is None:  # accepted or deactivated meanwhile
        return
    invited_by = User.objects.filter(pk=invited_by_id).first() if invited_by_id else None
    deliver_invitation(user, invited_by)
