"""/metrics: Prometheus's text with the requests by route and status, their latency, the
tasks' outcomes and durations, the queue, the outbox and the partners' imports and report
runs; 404 without the token. The partners' counts are counters of the public schema kept
by triggers on their tables: equal to their tables counted, whatever wrote them, and read
in one query whatever the number of partners."""

from datetime import date

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count, F, Q
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context
from prometheus_client.parser import text_string_to_metric_families

from contracts.models import Customer
from inventory.models import LensImport
from portal.consoleindex.models import StatusCount
from portal.outbox.models import PendingTask
from portal.submissions.tasks import purge_form_tokens
from portal.tenants.models import Partner
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


def counted_in_schemas(world):
    """Alpha's and beta's Lens imports and report runs by status, counted in their schemas
    (as /metrics once did, partner by partner)."""
    found = {}
    settled = F("done") + F("failed")
    for partner in (world.alpha, world.beta):
        with tenant_context(partner):
            for row in LensImport.objects.values("status").annotate(n=Count("pk")).order_by():
                found[(partner.schema_name, "inventory_lensimport", row["status"])] = row["n"]
            runs = ReportRun.objects.aggregate(
                running=Count("pk", filter=Q(total__gt=settled)),
                finished=Count("pk", filter=Q(total__lte=settled, failed=0)),
                finished_with_failures=Count("pk", filter=Q(total__lte=settled, failed__gt=0)))
            for status, count in runs.items():
                if count:
                    found[(partner.schema_name, "reporting_reportrun", status)] = count
    return found


def kept_counters(world):
    counters = StatusCount.objects.filter(partner__in=[world.alpha, world.beta])
    assert not counters.filter(rows__lt=0).exists()
    return {(c.partner_id, c.table_name, c.status): c.rows for c in counters if c.rows}


def new_import(customer, name):
    return LensImport.objects.create(customer=customer, file=f"lens/{name}",
                                     original_filename=name)


def test_the_counters_equal_the_partners_tables_whatever_wrote_them(world, metrics_token):
    def in_step():
        assert kept_counters(world) == counted_in_schemas(world)

    in_step()
    with tenant_context(world.alpha):
        customer = Customer.objects.first()
        first, second, third = (new_import(customer, f"{n}.csv") for n in "abc")
        in_step()
        first.status = LensImport.Status.RUNNING
        first.save()
        LensImport.objects.filter(pk=first.pk).update(status=LensImport.Status.SUCCEEDED)
        with connection.cursor() as cursor:
            cursor.execute("UPDATE inventory_lensimport SET status = 'failed' WHERE id = %s",
                           [second.pk])
        in_step()
        LensImport.objects.filter(status=LensImport.Status.QUEUED).update(
            status=LensImport.Status.REVIEW)
        first.delete()
        in_step()
        run = ReportRun.objects.create(month=date(2026, 1, 1), total=3, done=1)
        ReportRun.objects.create(month=date(2026, 2, 1), total=2, done=1, failed=1)
        in_step()
        ReportRun.objects.filter(pk=run.pk).update(done=F("done") + 2)
        in_step()
        ReportRun.objects.update(failed=0, done=F("total"))
        in_step()
    with tenant_context(world.beta):
        customer = Customer.objects.first()
        LensImport.objects.bulk_create([
            LensImport(customer=customer, file=f"lens/{n}.csv", original_filename=f"{n}.csv",
                       status=status)
            for n, status in enumerate(["queued", "running", "running", "needs_mapping"])])
        ReportRun.objects.bulk_create([ReportRun(month=date(2026, month, 1), total=4)
                                       for month in (1, 2, 3)])
        in_step()
        LensImport.objects.filter(status=LensImport.Status.RUNNING).delete()
        ReportRun.objects.filter(month__month__lt=3).update(failed=F("total"))
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM reporting_reportrun WHERE month = '2026-01-01'")
        in_step()

    counted = counted_in_schemas(world)
    samples = scrape()
    for status in LensImport.Status.values:
        assert value(samples, "portal_lens_imports", status=status) == sum(
            n for (_p, table, s), n in counted.items() if (table, s) == (
                "inventory_lensimport", status))
    assert value(samples, "portal_report_runs", status="finished_with_failures") == 1
    assert value(samples, "portal_report_runs", status="running") == 1

    # The rebuild counts the same; it puts right counters that went wrong.
    call_command("rebuild_console_index", verbosity=0)
    in_step()
    StatusCount.objects.filter(partner=world.alpha, status="review").update(rows=7)
    StatusCount.objects.filter(partner=world.beta, status="running").delete()
    StatusCount.objects.create(partner=world.beta, table_name="inventory_lensimport",
                               status="succeeded", rows=2)
    assert kept_counters(world) != counted
    call_command("rebuild_console_index", verbosity=0)
    assert kept_counters(world) == counted


def test_a_truncated_table_leaves_no_counts(world):
    with tenant_context(world.alpha):
        new_import(Customer.objects.first(), "a.csv")
        assert kept_counters(world)
        with connection.cursor() as cursor:
            # The insert's deferred foreign key checks are done before a truncate.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("TRUNCATE inventory_lensimport, reporting_reportrun CASCADE")
    assert kept_counters(world) == counted_in_schemas(world)
    assert not StatusCount.objects.filter(partner=world.alpha, rows__gt=0).exists()


def test_a_scrape_costs_the_same_queries_at_2_and_20_partners(world, metrics_token):
    def measured():
        with CaptureQueriesContext(connection) as queries:
            samples = scrape()
        return len(queries), samples

    scrape()  # sessions, caches and the like warmed up
    few, before = measured()
    partners = Partner.objects.bulk_create([
        Partner(slug=f"more{n}", schema_name=f"more{n}", name=f"More {n}",
                status=Partner.Status.ACTIVE) for n in range(18)])
    for partner in partners:
        StatusCount.objects.create(partner=partner, table_name="inventory_lensimport",
                                   status="queued", rows=2)
        StatusCount.objects.create(partner=partner, table_name="reporting_reportrun",
                                   status="running", rows=1)
    assert Partner.objects.active().count() == 20
    many, after = measured()

    assert many == few
    assert (value(after, "portal_lens_imports", status="queued")
            - value(before, "portal_lens_imports", status="queued")) == 36
    assert (value(after, "portal_report_runs", status="running")
            - value(before, "portal_report_runs", status="running")) == 18
    # A partner that is no longer active leaves the counts.
    Partner.objects.filter(pk=partners[0].pk).update(status=Partner.Status.FAILED)
    _queries, then = measured()
    assert (value(after, "portal_lens_imports", status="queued")
            - value(then, "portal_lens_imports", status="queued")) == 2
