"""Prometheus metrics of the portal's requests and tasks.

Requests are counted by the web process that serves them, with prometheus-client's
multiprocess mode when PROMETHEUS_MULTIPROC_DIR is set (gunicorn's workers then share one
/metrics per web instance). Tasks run in other processes, often on other hosts: their
outcomes and durations are counted in Redis, which every web instance reads when scraped.
"""

import os

from django.conf import settings
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

REQUESTS = Counter("portal_http_requests", "HTTP requests answered, by route and status.",
                   ["route", "method", "status"])
REQUEST_SECONDS = Histogram("portal_http_request_duration_seconds",
                            "Time to answer an HTTP request, by route.", ["route"],
                            buckets=(0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))

TASK_BUCKETS = (0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600)
TASK_OUTCOMES_KEY = "metrics:celery:outcomes"
TASK_SECONDS_KEY = "metrics:celery:seconds"
# Redis is asked with these timeouts (seconds): a scrape or a task never waits longer.
REDIS_TIMEOUT = 1


def observe_request(route: str, method: str, status: int, seconds: float) -> None:
    REQUESTS.labels(route, method, str(status)).inc()
    REQUEST_SECONDS.labels(route).observe(seconds)


def redis_client(url: str | None = None):
    import redis

    url = url or settings.REDIS_URL
    # Celery's name of a Unix socket; redis-py's is unix://.
    if url.startswith("redis+socket://"):
        url = "unix://" + url.removeprefix("redis+socket://")
    return redis.Redis.from_url(url, socket_connect_timeout=REDIS_TIMEOUT,
                                socket_timeout=REDIS_TIMEOUT)


def _key(name: str) -> str:
    return f"{settings.CACHES['default'].get('KEY_PREFIX') or 'portal'}:{name}"


def record_task(task: str, outcome: str, seconds: float | None) -> None:
    """Counts one task's outcome (and its duration) in Redis; one round trip."""
    pipe = redis_client().pipeline(transaction=False)
    pipe.hincrby(_key(TASK_OUTCOMES_KEY), f"{task}|{outcome}", 1)
    if seconds is not None:
        bucket = next((str(bound) for bound in TASK_BUCKETS if seconds <= bound), "+Inf")
        pipe.hincrby(_key(TASK_SECONDS_KEY), f"{task}|{bucket}", 1)
        pipe.hincrbyfloat(_key(TASK_SECONDS_KEY), f"{task}|sum", seconds)
    pipe.execute()


def task_metric_families(client) -> list:
    """The tasks' counters kept in Redis, as Prometheus metric families."""
    outcomes = CounterMetricFamily("portal_celery_tasks", "Celery tasks run, by outcome.",
                                   labels=["task", "outcome"])
    for field, count in sorted(client.hgetall(_key(TASK_OUTCOMES_KEY)).items()):
        task, _, outcome = field.decode().rpartition("|")
        outcomes.add_metric([task, outcome], int(count))
    durations = HistogramMetricFamily("portal_celery_task_duration_seconds",
                                      "Time a Celery task ran, by task.", labels=["task"])
    per_task: dict[str, dict[str, float]] = {}
    for field, value in client.hgetall(_key(TASK_SECONDS_KEY)).items():
        task, _, bucket = field.decode().rpartition("|")
        per_task.setdefault(task, {})[bucket] = float(value)
    for task, values in sorted(per_task.items()):
        cumulative, buckets = 0.0, []
        for bound in (*map(str, TASK_BUCKETS), "+Inf"):
            cumulative += values.get(bound, 0)
            buckets.append((bound, cumulative))
        durations.add_metric([task], buckets, values.get("sum", 0.0))
    return [outcomes, durations]


def process_registry():
    """What this process (or, in multiprocess mode, every worker of this instance) counted."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        return registry
    return REGISTRY


def exposition(scrape_time_collectors) -> bytes:
    """The text of /metrics: this instance's counters, then what is read at scrape time."""
    registry = CollectorRegistry(auto_describe=False)
    for collector in scrape_time_collectors:
        registry.register(collector)
    return generate_latest(process_registry()) + generate_latest(registry)
