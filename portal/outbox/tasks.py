import threading
from typing import Any

from celery import shared_task
from django.conf import settings
from django.db import connection
from tenant_schemas_celery.task import TenantTask

from . import services


def _drop_broken_connection() -> None:
    # A connection cut under a task stays broken in this thread: whatever runs next here
    # (the outbox's own bookkeeping, the retry) must open a new one. Never inside a
    # caller's transaction (tasks run eagerly in tests).
    if not connection.in_atomic_block:
        connection.close_if_unusable_or_obsolete()


class LeaseKeeper(threading.Thread):
    """Renews a running task's lease every third of it: while the worker lives, nobody
    hands its task over again, however long it runs; once it is killed, the lease lapses
    and the sweep hands the task to another worker."""

    def __init__(self, outbox_id: int):
        super().__init__(name=f"outbox-lease-{outbox_id}", daemon=True)
        self.outbox_id = outbox_id
        self.stopped = threading.Event()

    def run(self) -> None:
        every = max(1.0, settings.OUTBOX_LEASE_SECONDS / 3)
        try:
            while not self.stopped.wait(every):
                try:
                    services.hold(self.outbox_id)
                except Exception:  # noqa: BLE001 — tried again at the next beat
                    connection.close()
        finally:
            connection.close()

    def stop(self) -> None:
        self.stopped.set()
        self.join()


class OutboxTask(TenantTask):
    """Every task of the portal: one handed over from the outbox is skipped once it has run,
    holds its lease while it runs or waits for a retry, and is marked done when it ends."""

    abstract = True

    def _outbox_id(self) -> int | None:
        headers = self.request.headers or {}
        return headers.get("outbox_id") or getattr(self.request, "outbox_id", None)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        outbox_id = self._outbox_id()
        if outbox_id is None:
            try:
                return self._run(*args, **kwargs)
            except services.NotYet:
                return None
        if not services.taken(outbox_id):
            return None
        keeper = None if self.request.is_eager else LeaseKeeper(outbox_id)
        if keeper is not None:
            keeper.start()
        try:
            result = self._run(*args, **kwargs)
        except services.NotYet:
            return None  # not done: handed over again once its lease has passed
        finally:
            if keeper is not None:
                keeper.stop()
        services.done(outbox_id)
        return result

    def _run(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().__call__(*args, **kwargs)
        except BaseException:
            _drop_broken_connection()
            raise

    def retry(self, args=None, kwargs=None, exc=None, throw=True, eta=None, countdown=None,
              max_retries=None, **options):
        _drop_broken_connection()
        outbox_id = self._outbox_id()
        if outbox_id is not None:
            services.retrying(outbox_id, countdown or self.default_retry_delay or 0)
        return super().retry(args, kwargs, exc, throw, eta, countdown, max_retries, **options)


@shared_task
def hand_over_pending():
    """Every minute: what was not handed over (the broker was down) or whose worker
    vanished past its lease goes to the workers again; what was handed over too often is
    given up, and the job it was for ends failed with its reason."""
    return services.sweep()


@shared_task
def purge_done_tasks():
    return services.purge_done()
