"""A partner-wide report run always ends: a failed report task is tried again a bounded
number of times, then recorded as failed with its reason, and can be queued again."""

import threading
from datetime import date
from unittest import mock

import pytest
from django.db import connection, connections
from django_tenants.utils import tenant_context

from reporting import services, tasks
from reporting.models import MonthlyReport, ReportRun, ReportRunItem
from reporting.queries import index_quotes, index_reports
from reporting.tasks import generate_monthly_report

from .conftest import OCTOBER

# A month no other test commits reports for: the connection-cut test commits its own.
FEBRUARY_2027 = date(2027, 2, 1)

real_generate_report = services.generate_report


def in_own_connection(work):
    """Runs `work` in a thread: its own database connection, autocommit, closed after.
    What it writes is committed, as a worker's would be."""
    outcome = {}

    def run():
        try:
            outcome["value"] = work()
        except BaseException as error:  # noqa: BLE001 - handed back to the test
            outcome["error"] = error
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(120)
    assert not thread.is_alive(), "the work did not end"
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


def terminate_own_backend_once():
    """generate_report whose first call has its database connection cut by the server
    (pg_terminate_backend from a second connection), then carries on as usual."""
    calls = []

    def generate(customer, month, now=None):
        calls.append(customer.pk)
        if len(calls) == 1:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                [pid] = cursor.fetchone()
            other = connections.create_connection("default")
            try:
                with other.cursor() as cursor:
                    # Waits until the backend is gone, so the next query meets a cut line.
                    cursor.execute("SELECT pg_terminate_backend(%s, 10000)", [pid])
                    assert cursor.fetchone() == (True,)
            finally:
                other.close()
        return real_generate_report(customer, month, now)

    return generate, calls


@pytest.fixture
def committed_run_cleanup(world):
    """Removes, after the test, the committed run and reports of Beta's February 2027
    (BE-0002 holds a contract among the personas; other tests may have committed more)."""
    customer = world.customer(world.beta, "BE-0002")

    def leftovers():
        with tenant_context(world.beta):
            return (MonthlyReport.objects.filter(month=FEBRUARY_2027).exists()
                    or ReportRun.objects.filter(month=FEBRUARY_2027).exists())

    assert not in_own_connection(leftovers), "a committed report is left from elsewhere"
    yield customer

    def clean():
        with tenant_context(world.beta):
            reports = MonthlyReport.objects.filter(month=FEBRUARY_2027)
            pks = list(reports.values_list("pk", flat=True))
            reports.delete()
            MonthlyReport.history.filter(id__in=pks).delete()
            ReportRun.objects.filter(month=FEBRUARY_2027).delete()
            # Deleted in bulk, behind the services' backs: the console's index is told.
            index_reports(pks)
            index_quotes()

    in_own_connection(clean)


def test_a_database_connection_cut_during_a_report_task_is_retried_then_done(
        world, committed_run_cleanup):
    # The task needs a connection of its own to be cut (the test's is in its rolled-back
    # transaction): the run is started in a thread and, tasks being eager, its task runs
    # there on commit, against committed data (BE-0002's contract, from the personas).
    customer = committed_run_cleanup
    generate, calls = terminate_own_backend_once()

    def start():
        with tenant_context(world.beta), mock.patch.object(tasks, "generate_report",
                                                            generate):
            return services.start_run(FEBRUARY_2027, "Beta Admin").pk

    run_pk = in_own_connection(start)

    def outcome():
        with tenant_context(world.beta):
            run = ReportRun.objects.get(pk=run_pk)
            cut = run.items.get(customer_id=calls[0])
            reports = MonthlyReport.objects.filter(customer_id=calls[0], month=FEBRUARY_2027)
            return (run.done == run.total, run.failed, run.has_ended, cut.status,
                    cut.attempts, reports.count())

    # The task whose connection was cut (the first) was tried again, once.
    assert calls.count(calls[0]) == 2, "the cut task was not tried again"
    assert customer.pk in calls
    assert in_own_connection(outcome) == (True, 0, True, "done", 2, 1)


def test_a_report_that_keeps_failing_ends_failed_and_retry_failed_queues_it_again(
        reported, world, settings, django_capture_on_commit_callbacks):
    settings.REPORT_TASK_MAX_RETRIES = 2
    admin = world["alpha_admin"].client()
    broken = mock.Mock(side_effect=RuntimeError("the figures service is unavailable"))
    with mock.patch.object(tasks, "generate_report", broken), \
            django_capture_on_commit_callbacks(execute=True):
        response = admin.post("/reports/runs/", {"month": "2026-10"})
    assert response.status_code == 302
    # Tried once, then twice again, then no more: the run ends.
    assert broken.call_count == 3

    page = admin.get(response["Location"]).content.decode()
    assert "Finished with failures" in page
    assert "Done: 0 · Failed: 1 · Remaining: 0" in page
    assert "Alpha Customer One (AL-0001)" in page
    assert "RuntimeError: the figures service is unavailable" in page
    assert "Retry failed" in page
    assert "hx-get" not in page, "an ended run must stop polling"
    with tenant_context(world.alpha):
        run = ReportRun.objects.get()
        assert not MonthlyReport.objects.filter(month=OCTOBER).exists()

    retry_url = f"/reports/runs/{run.pk}/retry/"
    assert world["alpha_agent"].client().post(retry_url).status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(retry_url)
    page = admin.get(response["Location"]).content.decode()
    assert "1 report is queued again." in page
    assert "Done: 1 · Failed: 0 · Remaining: 0" in page
    assert "Finished" in page and "Finished with failures" not in page
    assert "Retry failed" not in page and "hx-get" not in page
    with tenant_context(world.alpha):
        assert MonthlyReport.objects.filter(month=OCTOBER).count() == 1
        assert ReportRunItem.objects.get(run=run).attempts == 1


def test_a_running_run_polls_and_shows_what_remains(reported, world):
    with tenant_context(world.alpha):
        # Queued, its task not yet run (the commit never comes in this test).
        run = services.start_run(OCTOBER)
    page = world["alpha_admin"].client().get(f"/reports/runs/{run.pk}/").content.decode()
    assert "Running" in page and "Done: 0 · Failed: 0 · Remaining: 1" in page
    assert "hx-get" in page


def test_a_redelivered_report_task_counts_once(reported, world,
                                               django_capture_on_commit_callbacks):
    with tenant_context(world.alpha):
        with django_capture_on_commit_callbacks(execute=True):
            run = services.start_run(OCTOBER)
        customer = reported["customer"]
        # The same message again, as after a lost worker's redelivery.
        generate_monthly_report.apply(args=[customer.pk, OCTOBER.isoformat(), run.pk])
        run.refresh_from_db()
        assert (run.total, run.done, run.failed) == (1, 1, 0)
        assert MonthlyReport.objects.filter(customer=customer, month=OCTOBER).count() == 1


def test_a_late_success_after_a_recorded_failure_counts_as_done(reported, world):
    with tenant_context(world.alpha):
        run = services.start_run(OCTOBER)
        customer = reported["customer"]
        services.record_failure(run.pk, customer.pk, "OperationalError: gone", 6)
        run.refresh_from_db()
        assert (run.done, run.failed, run.has_ended) == (0, 1, True)
        generate_monthly_report.apply(args=[customer.pk, OCTOBER.isoformat(), run.pk])
        run.refresh_from_db()
        assert (run.done, run.failed) == (1, 0)


def test_retries_wait_longer_each_time_up_to_a_cap(settings):
    settings.REPORT_TASK_RETRY_BACKOFF, settings.REPORT_TASK_RETRY_BACKOFF_MAX = 10, 60
    assert [tasks.retry_delay(n) for n in range(5)] == [10, 20, 40, 60, 60]



def test_another_partners_admin_and_a_customer_user_cannot_see_or_retry_a_run(world):
    with tenant_context(world.alpha):
        run = ReportRun.objects.create(month=OCTOBER, total=1, failed=1)
        ReportRunItem.objects.create(run=run, customer=world.customer(world.alpha, "AL-0001"),
                                     status=ReportRunItem.Status.FAILED, reason="boom")
    for persona in ("beta_admin", "alpha_customer1"):
        client = world[persona].client()
        assert client.get(f"/reports/runs/{run.pk}/").status_code == 404
        assert client.post(f"/reports/runs/{run.pk}/retry/").status_code == 404
    with tenant_context(world.alpha):
        assert run.items.get().status == ReportRunItem.Status.FAILED
