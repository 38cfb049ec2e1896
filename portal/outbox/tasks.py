from typing import Any

from celery import shared_task
from tenant_schemas_celery.task import TenantTask

from . import services


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
            return super().__call__(*args, **kwargs)
        if not services.taken(outbox_id):
            return None
        result = super().__call__(*args, **kwargs)
        services.done(outbox_id)
        return result

    def retry(self, args=None, kwargs=None, exc=None, throw=True, eta=None, countdown=None,
              max_retries=None, **options):
        outbox_id = self._outbox_id()
        if outbox_id is not None:
            services.retrying(outbox_id, countdown or self.default_retry_delay or 0)
        return super().retry(args, kwargs, exc, throw, eta, countdown, max_retries, **options)


@shared_task
def hand_over_pending():
    """Every minute: what was not handed over (the broker was down) or whose worker
    vanished past its lease goes to the workers again."""
    return services.sweep()


@shared_task
def purge_done_tasks():
    return services.purge_done()
