"""Durable side effects: a task is recorded with the change that calls for it, handed to the
workers after commit, and handed over again by the sweep until it has run.

A task handed over twice takes effect once: it is skipped when its record says done, and
the tasks themselves are idempotent (one report per customer and month, a delivery sent
while pending, an import run while queued).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from celery import current_app
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from kombu.exceptions import OperationalError

from .models import PendingTask

logger = logging.getLogger(__name__)


def lease() -> timedelta:
    return timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)


def enqueue_on_commit(task: Any, *args: Any, **kwargs: Any) -> PendingTask:
    """Records `task` in the current transaction and hands it over once it commits, in the
    schema that is active now (captured here: by the time the transaction commits, the code
    that queued it may have switched to another schema)."""
    pending = PendingTask.objects.create(task=task.name, args=list(args), kwargs=kwargs)
    schema = connection.schema_name
    transaction.on_commit(lambda: hand_over(pending, schema))
    return pending


def hand_over(pending: PendingTask, schema: str | None = None) -> bool:
    """Sends the task to the broker; False when the broker cannot be reached (the sweep
    tries again)."""
    headers = {"_schema_name": schema or connection.schema_name, "outbox_id": pending.pk}
    PendingTask.objects.filter(pk=pending.pk).update(
        lease_until=timezone.now() + lease(), handovers=pending.handovers + 1)
    try:
        _task(pending.task).apply_async(args=pending.args, kwargs=pending.kwargs,
                                        headers=headers)
    except OperationalError as error:
        PendingTask.objects.filter(pk=pending.pk).update(lease_until=None)
        logger.warning("The broker cannot be reached (%s): %s stays queued in the database "
                       "until the sweep hands it over.", error, pending)
        return False
    return True


def _task(name: str) -> Any:
    if name not in current_app.tasks:
        # A process that has not loaded every app's tasks yet (a command, the sweep).
        current_app.loader.import_default_modules()
    return current_app.tasks[name]


def due(now: datetime | None = None) -> Any:
    """The pending tasks of this schema that nobody holds: never handed over, lost with the
    broker, or whose worker vanished past its lease."""
    now = now or timezone.now()
    return PendingTask.objects.filter(
        Q(lease_until__isnull=True) | Q(lease_until__lte=now),
        done_at__isnull=True, given_up_at__isnull=True).order_by("pk")


def sweep(now: datetime | None = None) -> int:
    """Hands over again what is due in this schema; gives up after OUTBOX_MAX_HANDOVERS."""
    handed = 0
    for pending in due(now):
        if pending.handovers >= settings.OUTBOX_MAX_HANDOVERS:
            PendingTask.objects.filter(pk=pending.pk).update(given_up_at=timezone.now())
            logger.error("%s was handed over %d times without finishing: given up.",
                         pending, pending.handovers)
            continue
        if not hand_over(pending):
            break
        handed += 1
    return handed


def taken(outbox_id: int) -> bool:
    """Called as a worker starts the task: False when it has already run (then it is
    skipped); otherwise its lease starts again from now."""
    if PendingTask.objects.filter(pk=outbox_id, done_at__isnull=False).exists():
        return False
    PendingTask.objects.filter(pk=outbox_id).update(lease_until=timezone.now() + lease())
    return True


def retrying(outbox_id: int, countdown: float) -> None:
    """The task will try again in `countdown` seconds: nobody else takes it meanwhile."""
    PendingTask.objects.filter(pk=outbox_id).update(
        lease_until=timezone.now() + timedelta(seconds=countdown) + lease())


def done(outbox_id: int) -> None:
    PendingTask.objects.filter(pk=outbox_id).update(done_at=timezone.now())
