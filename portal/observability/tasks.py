"""Every Celery task's outcome and duration, counted for /metrics (see metrics.py)."""

import logging
import time

from celery.signals import task_postrun, task_prerun

from . import metrics

logger = logging.getLogger(__name__)

# task id → when it started, in this process.
_started: dict[str, float] = {}


@task_prerun.connect
def _task_started(task_id=None, **_kwargs):
    if task_id:
        _started[task_id] = time.monotonic()


@task_postrun.connect
def _task_ended(task_id=None, task=None, state=None, **_kwargs):
    started = _started.pop(task_id, None)
    seconds = None if started is None else time.monotonic() - started
    try:
        metrics.record_task(task.name, (state or "unknown").lower(), seconds)
    except Exception as error:  # noqa: BLE001 — a metric never fails a task
        logger.warning("task metrics not recorded (%s)", error)
