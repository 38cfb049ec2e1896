"""One access line per request, and the request's metrics.

First of the middleware after the health checks: it sees every answer, the partner's
404 for an unknown host included. The request id comes from the proxy's X-Request-ID
when it sends a sensible one, is made here otherwise, and is returned in the response.
"""

import logging
import re
import time
import uuid

from django.utils.functional import LazyObject, empty

from . import metrics
from .logs import current_request, request_id

logger = logging.getLogger("portal.access")

REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
# Any other method is counted as "other": the metrics' labels stay few.
METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


def route_of(request) -> str:
    match = getattr(request, "resolver_match", None)
    return (match.view_name if match is not None and match.view_name else "") or "unmatched"


def user_id_of(request) -> int | None:
    """The signed-in user's id when the request looked it up: never a query of its own."""
    user = getattr(request, "user", None)
    if user is None or (isinstance(user, LazyObject) and user._wrapped is empty):
        return None
    return user.pk if user.is_authenticated else None


class RequestLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.headers.get("X-Request-ID", "")
        request.request_id = given if REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        id_token = request_id.set(request.request_id)
        request_token = current_request.set(request)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            seconds = time.perf_counter() - started
            response["X-Request-ID"] = request.request_id
            route = route_of(request)
            tenant = getattr(request, "tenant", None)
            schema = getattr(tenant, "schema_name", None)
            logger.info(
                "%s %s %s %.0f ms", request.method, route, response.status_code, seconds * 1000,
                extra={"partner": None if schema in (None, "public") else schema,
                       "user_id": user_id_of(request), "method": request.method[:10],
                       "route": route, "status": response.status_code,
                       "duration_ms": round(seconds * 1000, 1)})
            method = request.method if request.method in METHODS else "other"
            metrics.observe_request(route, method, response.status_code, seconds)
            return response
        finally:
            current_request.reset(request_token)
            request_id.reset(id_token)
