from celery import shared_task

from .models import Delivery
from .services import retry_delay, send


@shared_task(bind=True, max_retries=None, acks_late=True)
def deliver(self, delivery_id):
    """Posts one delivery; on failure tries again later, doubling the wait, until
    WEBHOOK_MAX_ATTEMPTS."""
    delivery = Delivery.objects.select_related("endpoint").filter(pk=delivery_id).first()
    if delivery is None or delivery.status != Delivery.Status.PENDING:
        return
    while not send(delivery) and delivery.status == Delivery.Status.PENDING:
        if not self.request.is_eager:
            raise self.retry(countdown=retry_delay(delivery.attempts))
        # Without a broker (tasks run in the caller) there is no later: try again now.
