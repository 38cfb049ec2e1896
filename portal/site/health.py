"""/healthz, /readyz and /metrics: answered on every host, before the partner is looked up
(an unknown host, a load balancer's address, a container's own healthcheck), never cached,
never access-logged.

- /healthz: the process answers (nothing else is touched).
- /readyz: PostgreSQL, Redis and the file storage answer, each within
  READINESS_TIMEOUT_SECONDS; otherwise 503 naming those that failed.
- /metrics: Prometheus's text, with `Authorization: Bearer <METRICS_TOKEN>`; 404 without it
  (and always while METRICS_TOKEN is empty).
"""

import hmac
import logging
from concurrent.futures import ThreadPoolExecutor, wait
from pathlib import Path

from django.conf import settings
from django.http import HttpResponse, HttpResponseNotFound, JsonResponse

from portal.observability import metrics

from . import metrics_scrape

logger = logging.getLogger(__name__)

PROBE_NAME = "readyz/probe"


def check_database():
    from django.db import connections

    # A connection of its own (this runs in a thread of its own), closed at once.
    connection = connections["default"]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    finally:
        connection.close()


def check_redis():
    metrics.redis_client(settings.REDIS_URL).ping()


def check_storage():
    from django.core.files.storage import FileSystemStorage, storages

    storage = storages["default"]
    if not isinstance(storage, FileSystemStorage):
        # An object store: one HEAD request, which fails when the store cannot be reached
        # or refuses our credentials.
        storage.exists(PROBE_NAME)
        return
    # A local folder: exists() never fails, writing does (missing or read-only volume).
    path = Path(storage.path(PROBE_NAME))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"")
    path.unlink()


CHECKS = {"database": check_database, "redis": check_redis, "storage": check_storage}


def readiness() -> dict[str, str]:
    """Each part's state, "ok", "failed" or "timeout"; the parts are asked together."""
    pool = ThreadPoolExecutor(max_workers=len(CHECKS), thread_name_prefix="readyz")
    futures = {name: pool.submit(check) for name, check in CHECKS.items()}
    wait(futures.values(), timeout=settings.READINESS_TIMEOUT_SECONDS)
    # A check still running is left to end on its own: the answer does not wait for it.
    pool.shutdown(wait=False)
    states = {}
    for name, future in futures.items():
        if not future.done():
            states[name] = "timeout"
        elif future.exception() is not None:
            states[name] = "failed"
            logger.warning("readiness: %s failed (%s)", name, future.exception())
        else:
            states[name] = "ok"
    return states


def no_store(response):
    response["Cache-Control"] = "no-store"
    return response


def healthz(request):
    return no_store(JsonResponse({"status": "ok"}))


def readyz(request):
    states = readiness()
    failed = [name for name, state in states.items() if state != "ok"]
    if failed:
        return no_store(JsonResponse({"status": "unavailable", "failed": failed,
                                      "checks": states}, status=503))
    return no_store(JsonResponse({"status": "ok", "checks": states}))


def metrics_view(request):
    token = settings.METRICS_TOKEN
    given = request.headers.get("Authorization", "")
    if not token or not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return no_store(HttpResponseNotFound())
    body = metrics.exposition(metrics_scrape.collectors())
    return no_store(HttpResponse(body, content_type="text/plain; version=0.0.4; charset=utf-8"))


ROUTES = {"/healthz": healthz, "/readyz": readyz, "/metrics": metrics_view}


class HealthMiddleware:
    """First in MIDDLEWARE: these paths are answered before the partner, the session or
    the allowed host is looked at."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        view = ROUTES.get(request.path_info)
        if view is None or request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        return view(request)
