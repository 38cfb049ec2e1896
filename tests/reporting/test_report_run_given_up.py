"""A report whose task no worker finished, however often it was handed over, is recorded
as failed with its reason, so that its run ends; a run whose reports wait longer than a
task's lease says since when."""

from datetime import timedelta

from django.utils import timezone
from django_tenants.utils import tenant_context

from portal.outbox import services as outbox
from portal.outbox.models import PendingTask
from reporting import services
from reporting.models import ReportRunItem

from .conftest import OCTOBER


def test_a_report_nobody_finishes_fails_with_its_reason_and_the_run_ends(reported, world,
                                                                         settings):
    with tenant_context(world.alpha):
        run = services.start_run(OCTOBER)  # its tasks are never handed over here
        PendingTask.objects.filter(task="reporting.tasks.generate_monthly_report").update(
            handovers=settings.OUTBOX_MAX_HANDOVERS,
            lease_until=timezone.now() - timedelta(seconds=1))
    page = world["alpha_admin"].client().get(f"/reports/runs/{run.pk}/").content.decode()
    assert "Running" in page

    outbox.sweep()
    page = world["alpha_admin"].client().get(f"/reports/runs/{run.pk}/").content.decode()
    assert "Finished with failures" in page and "Running" not in page
    assert "Done: 0 · Failed: 1 · Remaining: 0" in page
    assert ("The worker processing this report stopped; it was handed to a worker "
            f"{settings.OUTBOX_MAX_HANDOVERS} times without finishing.") in page
    assert "Retry failed" in page and "hx-get" not in page


def test_a_run_waiting_longer_than_the_lease_says_since_when(reported, world, settings):
    settings.OUTBOX_LEASE_SECONDS = 300
    with tenant_context(world.alpha):
        run = services.start_run(OCTOBER)
    client = world["alpha_admin"].client()
    assert "Waiting for a worker since" not in client.get(
        f"/reports/runs/{run.pk}/").content.decode()
    with tenant_context(world.alpha):
        ReportRunItem.objects.filter(run=run).update(
            updated_at=timezone.now() - timedelta(minutes=7))
    page = client.get(f"/reports/runs/{run.pk}/").content.decode()
    assert "Waiting for a worker since" in page and "7\xa0minutes" in page
