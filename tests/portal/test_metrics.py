"""/metrics: Prometheus's text with the requests by route and status, their latency, the
tasks' outcomes and durations, the queue, the outbox and the partners' imports and report
runs; 404 without the token."""

from datetime import date

import pytest
from django.test import Client
from django_tenants.utils import tenant_context
from prometheus_client.parser import text_string_to_metric_families

from portal.outbox.models import PendingTask
from portal.submissions.tasks import purge_form_tokens
from reporting.models import ReportRun

TOKEN = "scrape-token-0123456789"


@pytest.fixture
def metrics_token(settings):
    settings.METRICS_TOKEN = TOKEN
    return TOKEN


def scrape(host="10.0.0.7:8000"):
    response = Client(HTTP_HOST=host).get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200, response.content
    assert response["Cache-Control"] == "no-store"
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples, name, **labels):
    return samples.get((name, tuple(sorted(labels.items()))), 0)


@pytest.mark.parametrize("authorization", [None, "Bearer wrong", f"Basic {TOKEN}"])
def test_metrics_are_hidden_without_the_token(world, metrics_token, authorization):
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization else {}
    response = Client(HTTP_HOST="alpha.localhost").get("/metrics", **headers)
    assert response.status_code == 404
    assert b"portal_http" not in response.content


def test_metrics_are_hidden_while_no_token_is_set(world, settings):
    settings.METRICS_TOKEN = ""
    response = Client().get("/metrics", HTTP_AUTHORIZATION="Bearer ")
    assert response.status_code == 404


@pytest.fixture
def queued_message(settings):
    """A task message waiting in the broker's queue (no worker takes it), removed after."""
    from celery import Celery

    from portal.observability.metrics import redis_client

    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    # Not the current app: the suite's tasks must go on running eagerly.
    with Celery(broker=settings.CELERY_BROKER_URL, set_as_current=False) as sender:
        sender.send_task("portal.nothing", queue=queue)
    yield
    redis_client(settings.CELERY_BROKER_URL).rpop(queue)


def test_metrics_count_requests_tasks_and_what_waits(world, metrics_token, request):
    before = scrape()
    admin = world["alpha_admin"].client()
    for _ in range(3):
        assert admin.get("/").status_code == 200
    assert Client(HTTP_HOST="alpha.localhost").get("/no-such-page/").status_code == 404
    purge_form_tokens.delay()
    PendingTask.objects.create(schema_name="alpha", task="tickets.tasks.notify")
    with tenant_context(world.alpha):
        ReportRun.objects.create(month=date(2026, 1, 1), total=3, done=1)

    after = scrape()
    request.getfixturevalue("queued_message")
    queued = scrape()

    def grew(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("portal_http_requests_total", route="dashboard", method="GET", status="200") == 3
    assert grew("portal_http_requests_total", route="unmatched", method="GET", status="404") == 1
    assert grew("portal_http_request_duration_seconds_count", route="dashboard") == 3
    assert 0 < grew("portal_http_request_duration_seconds_sum", route="dashboard") < 30
    task = "portal.submissions.tasks.purge_form_tokens"
    assert grew("portal_celery_tasks_total", task=task, outcome="success") == 1
    assert grew("portal_celery_task_duration_seconds_count", task=task) == 1
    assert grew("portal_celery_task_duration_seconds_bucket", task=task, le="+Inf") == 1
    assert (value(queued, "portal_celery_queue_length", queue="celery")
            - value(after, "portal_celery_queue_length", queue="celery")) == 1
    assert ("portal_celery_unacked_tasks", ()) in after
    assert value(after, "portal_redis_up") == 1
    assert value(after, "portal_database_up") == 1
    assert grew("portal_outbox_tasks", state="pending") == 1
    assert ("portal_outbox_tasks", (("state", "given_up"),)) in after
    assert grew("portal_report_runs", status="running") == 1
    for status in ("queued", "running", "succeeded", "failed", "review", "needs_mapping"):
        assert ("portal_lens_imports", (("status", status),)) in after
