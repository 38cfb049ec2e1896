import logging

from celery import shared_task
from django.core.mail import EmailMultiAlternatives

logger = logging.getLogger(__name__)


@shared_task(bind=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_email(self, *, subject, body, from_email, to, reply_to=(), html="", headers=None):
    """`from_email` is the envelope sender; a From in `headers` shows over it."""
    # services.py imports this module to queue its tasks: a cycle at start-up.
    from .services import record_email_failure, record_email_sent

    message = EmailMultiAlternatives(subject, body, from_email, to, reply_to=list(reply_to),
                                     headers=headers or None)
    if html:
        message.attach_alternative(html, "text/html")
    try:
        message.send()
    except Exception as error:
        record_email_failure(error)
        raise
    record_email_sent()


@shared_task(bind=True, acks_late=True, max_retries=3, default_retry_delay=10)
def provision_partner(self, partner_id, admin):
    # services.py imports this module to queue this task: a cycle at start-up.
    from .services import provision_partner as provision

    provision(partner_id, admin)
