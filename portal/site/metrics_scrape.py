"""What /metrics reads when it is scraped: the tasks' counters and the queue in Redis, the
outbox, and the partners' Lens imports and report runs in PostgreSQL. The same on every
web instance (they read the same servers); see README, "Deploying"."""

import logging

from django.conf import settings
from django.db.models import Count, Q, Sum
from prometheus_client.core import GaugeMetricFamily

from inventory.models import LensImport
from portal.consoleindex.models import REPORT_RUN_STATUSES, StatusCount
from portal.observability import metrics
from portal.outbox.models import PendingTask
from portal.tenants.schemas import active_partners
from reporting.models import ReportRun

logger = logging.getLogger(__name__)


class RedisCollector:
    def collect(self):
        try:
            client = metrics.redis_client(settings.REDIS_URL)
            families = metrics.task_metric_families(client)
            broker = metrics.redis_client(settings.CELERY_BROKER_URL)
            queue = settings.CELERY_TASK_DEFAULT_QUEUE
            depth = GaugeMetricFamily("portal_celery_queue_length",
                                      "Tasks waiting in a Celery queue.", labels=["queue"])
            depth.add_metric([queue], broker.llen(queue))
            unacked = GaugeMetricFamily("portal_celery_unacked_tasks",
                                        "Tasks handed to a worker and not yet acknowledged.")
            unacked.add_metric([], broker.hlen("unacked"))
        except Exception as error:  # noqa: BLE001 — the other series are still served
            logger.warning("metrics: Redis cannot be read (%s)", error)
            yield self._up(0)
            return
        yield from families
        yield depth
        yield unacked
        yield self._up(1)

    def _up(self, value):
        up = GaugeMetricFamily("portal_redis_up", "Whether the scrape could read Redis.")
        up.add_metric([], value)
        return up


class DatabaseCollector:
    def collect(self):
        try:
            families = list(self.families())
        except Exception as error:  # noqa: BLE001 — the other series are still served
            logger.warning("metrics: PostgreSQL cannot be read (%s)", error)
            families = []
        up = GaugeMetricFamily("portal_database_up", "Whether the scrape could read PostgreSQL.")
        up.add_metric([], 1 if families else 0)
        yield from families
        yield up

    def families(self):
        outbox = GaugeMetricFamily("portal_outbox_tasks",
                                   "Tasks of the outbox not done, by state.", labels=["state"])
        counts = PendingTask.objects.aggregate(
            pending=Count("pk", filter=Q(done_at__isnull=True, given_up_at__isnull=True)),
            given_up=Count("pk", filter=Q(given_up_at__isnull=False, done_at__isnull=True)))
        for state, count in counts.items():
            outbox.add_metric([state], count)
        yield outbox
        imports, runs = partner_counts()
        lens = GaugeMetricFamily("portal_lens_imports", "Poly Lens imports, by status.",
                                 labels=["status"])
        for status in LensImport.Status.values:
            lens.add_metric([status], imports.get(status, 0))
        yield lens
        reports = GaugeMetricFamily("portal_report_runs", "Monthly report runs, by status.",
                                    labels=["status"])
        for status, count in runs.items():
            reports.add_metric([status], count)
        yield reports


def partner_counts():
    """The active partners' Lens imports and report runs by status: their counters in the
    public schema added up (StatusCount, kept by triggers in every partner's schema), one
    query whatever the number of partners."""
    imports: dict[str, int] = {}
    runs = dict.fromkeys(REPORT_RUN_STATUSES, 0)
    counted = {LensImport._meta.db_table: imports, ReportRun._meta.db_table: runs}
    rows = (StatusCount.objects
            .filter(partner_id__in=active_partners().values("schema_name"),
                    table_name__in=counted)
            .values("table_name", "status").annotate(total=Sum("rows")).order_by())
    for row in rows:
        counts = counted[row["table_name"]]
        counts[row["status"]] = counts.get(row["status"], 0) + row["total"]
    return imports, runs


def collectors():
    return [RedisCollector(), DatabaseCollector()]
