"""The outbox's rules, without a broker: what waits, what is taken, what is given up."""

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import tenant_context

from portal.outbox import services
from portal.outbox.models import PendingTask
from portal.tenants.tasks import send_email


@pytest.fixture(autouse=True)
def _empty_outbox(db):
    # Tests that run a real server (the browser tests) commit records of their own; each rule
    # here is checked on an outbox of its test alone (the deletion is rolled back after it).
    PendingTask.objects.all().delete()


def record(world, **fields):
    with tenant_context(world.alpha):
        return PendingTask.objects.create(schema_name="alpha", task=send_email.name,
                                          **fields)


def test_a_task_is_recorded_with_the_partners_schema_and_only_if_the_change_commits(world):
    with tenant_context(world.alpha):
        with pytest.raises(RuntimeError), transaction.atomic():
            services.enqueue_on_commit(send_email, subject="lost", body="", from_email="a@b.c",
                                       to=["d@e.f"])
            raise RuntimeError("the change fails")
        assert not PendingTask.objects.exists()
        pending = services.enqueue_on_commit(send_email, subject="kept", body="",
                                             from_email="a@b.c", to=["d@e.f"])
    assert pending.schema_name == world.alpha.schema_name
    # Leased from the start: the sweep never races the hand-over after commit.
    assert pending.lease_until > timezone.now()
    assert not services.due().exists()


def test_what_is_due_is_what_nobody_holds(world):
    now = timezone.now()
    never_handed = record(world, lease_until=None)
    lease_passed = record(world, lease_until=now - timedelta(seconds=1))
    record(world, lease_until=now + timedelta(minutes=1))
    record(world, lease_until=None, done_at=now)
    record(world, lease_until=None, given_up_at=now)
    assert list(services.due(now)) == [never_handed, lease_passed]


def test_the_sweep_reads_one_table_whatever_the_number_of_partners(world):
    with CaptureQueriesContext(connection) as queries:
        assert services.sweep() == 0
    statements = [query["sql"] for query in queries.captured_queries
                  if not query["sql"].startswith("SET search_path")]
    assert len(statements) == 1 and "outbox_pendingtask" in statements[0]


def test_a_task_handed_over_too_often_is_given_up(world, settings):
    settings.OUTBOX_MAX_HANDOVERS = 3
    pending = record(world, lease_until=None, handovers=3)
    assert services.sweep() == 0
    pending.refresh_from_db()
    assert pending.given_up_at is not None


def test_a_task_that_has_run_is_not_taken_again(world):
    pending = record(world)
    assert services.taken(pending.pk)
    services.done(pending.pk)
    assert not services.taken(pending.pk)


def test_tasks_that_have_run_are_forgotten_after_a_day(world):
    now = timezone.now()
    old = record(world, done_at=now - timedelta(hours=25))
    recent = record(world, done_at=now - timedelta(hours=23))
    waiting = record(world)
    assert services.purge_done(now) == 1
    assert set(PendingTask.objects.all()) == {recent, waiting}
    assert not PendingTask.objects.filter(pk=old.pk).exists()
