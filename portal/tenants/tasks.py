import logging

from celery import shared_task
from django.core.mail import EmailMultiAlternatives
from django.db import connection, transaction

logger = logging.getLogger(__name__)


@shared_task(bind=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_email(self, *, subject, body, from_email, to, reply_to=(), html=""):
    message = EmailMultiAlternatives(subject, body, from_email, to, reply_to=list(reply_to))
    if html:
        message.attach_alternative(html, "text/html")
    message.send()


@shared_task(bind=True, acks_late=True, max_retries=3, default_retry_delay=10)
def provision_partner(self, partner_id, admin):
    # services.py imports this module to queue this task: a cycle at start-up.
    from .services import provision_partner as provision

    provision(partner_id, admin)


def enqueue_on_commit(task, *args, **kwargs):
    """Queues `task` once the transaction commits, in the schema that is active now.

    The schema is captured here: by the time the transaction commits, the code that
    queued the task may have switched to another schema.
    """
    headers = {"_schema_name": connection.schema_name}
    transaction.on_commit(
        lambda: task.apply_async(args=args, kwargs=kwargs, headers=headers)
    )
