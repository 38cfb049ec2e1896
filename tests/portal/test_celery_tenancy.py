"""A task runs in the schema of the portal that queued it, on a real worker."""

import pytest
from celery import signals
from celery.contrib.testing.worker import start_worker
from celery.fixups.django import DjangoWorkerFixup
from django.core import mail
from django_tenants.utils import tenant_context

from portal.celery import app
from portal.users.models import User
from portal.users.tasks import send_invitation


@pytest.fixture
def real_worker(monkeypatch):
    # Celery's Django fix-up closes every database connection of the thread that starts
    # the worker; here that is the test's own connection, which must live. Keep only the
    # part that closes the worker thread's connection after each task.
    def install(fixup):
        signals.task_postrun.connect(fixup.on_task_postrun, weak=False)
        return fixup

    monkeypatch.setattr(DjangoWorkerFixup, "install", install)
    app.conf.task_always_eager = False
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            yield
    finally:
        app.conf.task_always_eager = True


def test_a_task_writes_into_the_schema_that_queued_it(world, real_worker):
    # The worker cannot see the test's own transaction: it works on the committed
    # personas. Alpha's pending invitee is stamped by the task; had the task run in
    # another schema, the same primary key would have pointed elsewhere.
    with tenant_context(world.alpha):
        invitee = User.objects.get(email="invitee@alpha.example")
        assert invitee.invitation_sent_at is None
        send_invitation.delay(invitee.pk)
    _wait_for(lambda: _stamped(world.alpha, invitee.pk))
    assert not _stamped(world.beta, invitee.pk)
    [message] = [m for m in mail.outbox if m.to == ["invitee@alpha.example"]]
    assert "Alpha Communications" in message.subject
    assert "http://alpha.localhost/invitation/" in message.body


def _stamped(tenant, pk):
    with tenant_context(tenant):
        return User.objects.filter(pk=pk, invitation_sent_at__isnull=False).exists()


def _wait_for(condition, timeout=30):
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError("the worker did not run the task in time")
