"""Durable side effects: a task is recorded with the change that calls for it, handed to the
workers after commit, and handed over again by the sweep until it has run.

A task handed over twice takes effect once: it is skipped when its record says done, and
the tasks themselves are idempotent (one report per customer and month, a delivery sent
while pending, an import run while queued).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from celery import current_app
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from kombu.exceptions import OperationalError

from portal.tenants.schemas import named_schema

from .models import PendingTask

logger = logging.getLogger(__name__)

# {task name: what ends its job when the outbox gives up on it}, see `when_given_up`.
_GIVEN_UP: dict[str, Callable[..., None]] = {}


class NotYet(Exception):  # noqa: N818 — a signal, not an error
    """Raised by a task that cannot do its work now (another delivery holds it): it is not
    marked done, and the sweep hands it over again once its lease has passed."""


def when_given_up(task: Any) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Registers `handler(*args, handovers=…, **kwargs)`, called in the task's schema when
    the outbox gives up on `task`: it ends the job the task was for (failed, with its
    reason), so that no page says "running" of work that nothing runs any more."""
    def register(handler: Callable[..., None]) -> Callable[..., None]:
        _GIVEN_UP[task.name] = handler
        return handler
    return register

# Tasks handed over by one sweep at the most; the next sweep takes the rest.
SWEEP_BATCH = 500


def lease() -> timedelta:
    return timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)


def enqueue_on_commit(task: Any, *args: Any, **kwargs: Any) -> PendingTask:
    """Records `task` in the current transaction, for the schema that is active now, and
    hands it over once the transaction commits.

    The record starts leased: should this process die between the commit and the hand-over,
    the sweep takes it once the lease has passed, and never races the hand-over meanwhile.
    """
    pending = PendingTask.objects.create(
        schema_name=connection.schema_name, task=task.name, args=list(args), kwargs=kwargs,
        lease_until=timezone.now() + lease())
    transaction.on_commit(lambda: hand_over(pending))
    return pending


def _task(name: str) -> Any:
    if name not in current_app.tasks:
        # A process that has not loaded every app's tasks yet (a command, the sweep).
        current_app.loader.import_default_modules()
    return current_app.tasks[name]


def hand_over(pending: PendingTask) -> bool:
    """Sends the task to the broker, to run in its schema; False when the broker cannot be
    reached (the sweep tries again)."""
    PendingTask.objects.filter(pk=pending.pk).update(
        lease_until=timezone.now() + lease(), handovers=F("handovers") + 1)
    headers = {"_schema_name": pending.schema_name, "outbox_id": pending.pk}
    try:
        _task(pending.task).apply_async(args=pending.args, kwargs=pending.kwargs,
                                        headers=headers)
    except OperationalError as error:
        PendingTask.objects.filter(pk=pending.pk).update(lease_until=None)
        logger.warning("The broker cannot be reached (%s): %s stays queued in the database "
                       "until the sweep hands it over.", error, pending)
        return False
    return True


def due(now: datetime | None = None) -> QuerySet[PendingTask]:
    """The pending tasks that nobody holds: never handed over (the broker was down), or
    whose worker vanished past its lease."""
    now = now or timezone.now()
    return PendingTask.objects.filter(
        Q(lease_until__isnull=True) | Q(lease_until__lte=now),
        done_at__isnull=True, given_up_at__isnull=True).order_by("pk")


def sweep(now: datetime | None = None) -> int:
    """Hands over again what is due, every partner's at once; gives up on a task after
    OUTBOX_MAX_HANDOVERS."""
    handed = 0
    for pending in due(now)[:SWEEP_BATCH]:
        if pending.handovers >= settings.OUTBOX_MAX_HANDOVERS:
            give_up(pending)
            continue
        if not hand_over(pending):
            break
        handed += 1
    return handed


def give_up(pending: PendingTask) -> None:
    PendingTask.objects.filter(pk=pending.pk).update(given_up_at=timezone.now())
    logger.error("%s was handed over %d times without finishing: given up.",
                 pending, pending.handovers)
    _task(pending.task)  # loads the task's module, which registers its handler
    handler = _GIVEN_UP.get(pending.task)
    if handler is None:
        return
    try:
        with named_schema(pending.schema_name):
            handler(*pending.args, handovers=pending.handovers, **pending.kwargs)
    except Exception:
        # The record stays given up: an operator finds it in the table.
        logger.exception("%s: its job could not be ended", pending)


def purge_done(now: datetime | None = None) -> int:
    keep = timedelta(hours=settings.OUTBOX_KEEP_DONE_HOURS)
    return PendingTask.objects.filter(done_at__lt=(now or timezone.now()) - keep).delete()[0]


def taken(outbox_id: int) -> bool:
    """Called as a worker starts the task: False when it has already run (then it is
    skipped); otherwise its lease starts again from now."""
    return bool(PendingTask.objects.filter(pk=outbox_id, done_at__isnull=True).update(
        lease_until=timezone.now() + lease()))


def hold(outbox_id: int) -> None:
    """The task is still running: its lease starts again from now. Never shortens a lease
    (a retry due later keeps its own)."""
    until = timezone.now() + lease()
    PendingTask.objects.filter(pk=outbox_id, done_at__isnull=True,
                               lease_until__lt=until).update(lease_until=until)


def retrying(outbox_id: int, countdown: float) -> None:
    """The task will try again in `countdown` seconds: nobody else takes it meanwhile."""
    PendingTask.objects.filter(pk=outbox_id).update(
        lease_until=timezone.now() + timedelta(seconds=countdown) + lease())


def done(outbox_id: int) -> None:
    PendingTask.objects.filter(pk=outbox_id).update(done_at=timezone.now())
