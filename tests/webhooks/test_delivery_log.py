"""Every attempt of a delivery is kept (failures with their code or error), shown on the
endpoint's page, and forgotten after WEBHOOK_LOG_RETENTION_DAYS."""

import socket
from datetime import timedelta

from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import tenant_context

from portal.webhooks import services
from portal.webhooks.models import Delivery, DeliveryAttempt
from portal.webhooks.tasks import purge_webhook_deliveries


def test_every_attempt_is_logged_failures_included(world, receiver,
                                                   django_capture_on_commit_callbacks):
    server = receiver(codes=(500, 200))
    with tenant_context(world.alpha):
        endpoint = services.create_endpoint(url=server.url, events=["ticket.created"])
        with django_capture_on_commit_callbacks(execute=True):
            services.emit("ticket.created", {"id": 7})
        delivery = Delivery.objects.get()
        tries = list(delivery.tries.all())
    assert (delivery.status, delivery.attempts) == ("delivered", 2)
    assert [(attempt.status_code, attempt.error) for attempt in tries] == [
        (500, "The endpoint answered 500."), (200, "")]
    assert all(attempt.duration_ms >= 0 and attempt.started_at for attempt in tries)
    assert tries[0].started_at <= tries[1].started_at
    page = world["alpha_admin"].client().get(f"/webhooks/{endpoint.pk}/").content.decode()
    assert "HTTP 500" in page and "HTTP 200" in page
    assert "The endpoint answered 500." in page


def test_an_unreachable_endpoint_logs_the_error(world, django_capture_on_commit_callbacks):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed once the block ends: nobody listens
    with tenant_context(world.alpha):
        services.create_endpoint(url=f"http://127.0.0.1:{port}/hooks",
                                 events=["ticket.created"])
        with override_settings(WEBHOOK_MAX_ATTEMPTS=2), \
                django_capture_on_commit_callbacks(execute=True):
            services.emit("ticket.created", {"id": 7})
        delivery = Delivery.objects.get()
        tries = list(delivery.tries.all())
    assert delivery.status == "failed"
    assert len(tries) == 2
    assert all(attempt.status_code is None and attempt.error for attempt in tries)


def log(endpoint, count, age=timedelta(0), status="failed"):
    at = timezone.now() - age
    for _ in range(count):
        delivery = Delivery.objects.create(endpoint=endpoint, event="ticket.created",
                                           payload={}, status=status)
        Delivery.objects.filter(pk=delivery.pk).update(created_at=at)
        DeliveryAttempt.objects.bulk_create([
            DeliveryAttempt(delivery=delivery, started_at=at, duration_ms=5, status_code=500)
            for _ in range(3)])


def test_the_page_reads_the_log_in_constant_queries(world):
    with tenant_context(world.alpha):
        endpoint = services.create_endpoint(url="https://93.184.215.14/hooks",
                                            events=["ticket.created"])
        log(endpoint, 2)
    client = world["alpha_admin"].client()

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/webhooks/{endpoint.pk}/").status_code == 200
        return len(captured)

    few = queries()
    with tenant_context(world.alpha):
        log(endpoint, 10)
    assert queries() == few


@override_settings(WEBHOOK_LOG_RETENTION_DAYS=30)
def test_the_log_keeps_the_days_the_setting_says(world):
    with tenant_context(world.alpha):
        endpoint = services.create_endpoint(url="https://93.184.215.14/hooks",
                                            events=["ticket.created"])
        log(endpoint, 2, age=timedelta(days=31))
        log(endpoint, 1, age=timedelta(days=31), status="pending")  # still being attempted
        log(endpoint, 1, age=timedelta(days=29))
    assert purge_webhook_deliveries() > 0
    with tenant_context(world.alpha):
        assert sorted(Delivery.objects.values_list("status", flat=True)) == [
            "failed", "pending"]
        assert DeliveryAttempt.objects.count() == 6


def test_the_page_does_not_redeliver_a_delivery_still_being_attempted(
        world, django_capture_on_commit_callbacks):
    with tenant_context(world.alpha):
        endpoint = services.create_endpoint(url="https://93.184.215.14/hooks",
                                            events=["ticket.created"])
        delivery = Delivery.objects.create(endpoint=endpoint, event="ticket.created",
                                           payload={})
    client = world["alpha_admin"].client()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(f"/webhooks/{endpoint.pk}/deliveries/{delivery.pk}/redeliver/",
                               follow=True)
    assert callbacks == []
    assert "still being attempted" in response.content.decode()
    with tenant_context(world.alpha):
        assert DeliveryAttempt.objects.count() == 0
