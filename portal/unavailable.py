"""What cannot do without Redis answers 503 while it is down, never 500.

Reads, sign-in and every change go on without Redis (the cache falls back to the process's
own, tasks wait in the outbox). Should a Redis or broker error still escape a view, the
visitor gets a page that says to try again shortly (the API, a problem of its own), with
Retry-After, and the log says which request needed Redis.
"""

import logging

from django.conf import settings
from django.shortcuts import render
from kombu.exceptions import OperationalError as BrokerUnreachable
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

# Redis itself (the cache, anything talking to it) and the broker on top of it.
UNAVAILABLE = (RedisConnectionError, RedisTimeoutError, BrokerUnreachable)


def retry_after() -> str:
    return str(settings.UNAVAILABLE_RETRY_AFTER_SECONDS)


def log_unavailable(request, error) -> None:
    logger.warning("%s %s needs Redis, which cannot be reached (%s): answered 503.",
                   request.method, request.path, error)


class UnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, UNAVAILABLE):
            return None
        log_unavailable(request, exception)
        response = render(request, "503.html", status=503)
        response["Retry-After"] = retry_after()
        return response
