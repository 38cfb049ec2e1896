import os

from tenant_schemas_celery.app import CeleryApp

# Every task's outcome and duration, for /metrics.
from portal.observability import tasks as _task_metrics  # noqa: F401

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

# A task runs in the schema that was active when it was queued: the tenant-aware
# app sends the schema name with every message and restores it in the worker.
# Every task knows the outbox (portal/outbox): see OutboxTask.
app = CeleryApp("portal", task_cls="portal.outbox.tasks:OutboxTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
