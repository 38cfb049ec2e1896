from celery import shared_task

from portal.tenants.schemas import each_active_partner

from .models import Delivery
from .services import purge_deliveries, retry_delay, send


@shared_task(bind=True, max_retries=None, acks_late=True)
def deliver(self, delivery_id, redelivery=False):
    """Posts one delivery; on failure tries again later, doubling the wait, until
    WEBHOOK_MAX_ATTEMPTS. A redelivery (asked for by a person) is one attempt."""
    delivery = Delivery.objects.select_related("endpoint").filter(pk=delivery_id).first()
    if delivery is None or delivery.status != Delivery.Status.PENDING:
        return
    if redelivery:
        send(delivery, last=True)
        return
    while not send(delivery) and delivery.status == Delivery.Status.PENDING:
        if not self.request.is_eager:
            raise self.retry(countdown=retry_delay(delivery.attempts))
        # Without a broker (tasks run in the caller) there is no later: try again now.


@shared_task
def purge_webhook_deliveries():
    """Daily: the delivery log keeps WEBHOOK_LOG_RETENTION_DAYS, partner by partner."""
    return sum(purge_deliveries() for _ in each_active_partner())
