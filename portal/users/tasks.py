from celery import shared_task
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.contrib.sessions.models import Session
from django.utils import timezone

from portal.tenants.schemas import each_active_partner, public_schema

from .models import User
from .services import deliver_invitation


@shared_task
def clear_expired_sessions():
    """Sessions live in each partner's schema and, for the console, in the public one: purge
    them there and partner by partner."""
    with public_schema():
        removed = _purge_expired_sessions()
    return removed + sum(_purge_expired_sessions() for _ in each_active_partner())


def _purge_expired_sessions():
    return Session.objects.filter(expire_date__lt=timezone.now()).delete()[0]


@shared_task(bind=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_invitation(self, user_id, invited_by_id=None):
    """Runs in the schema that queued it, so `user_id` is a user of that portal."""
    user = User.objects.filter(
        pk=user_id, is_active=True, password__startswith=UNUSABLE_PASSWORD_PREFIX
    ).first()
    if user is None:  # accepted or deactivated meanwhile
        return
    invited_by = User.objects.filter(pk=invited_by_id).first() if invited_by_id else None
    deliver_invitation(user, invited_by)
