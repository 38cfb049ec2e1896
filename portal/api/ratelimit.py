"""Requests per token (or per signed-in user, or per client address for unknown tokens)
and period, counted in the shared cache.

A fixed window: the count of the current period, kept under a key that names the period,
so that every web process sees the same count (Redis in production). The cache key
function keeps each partner's counts apart.
"""

import math
import re
import time

from django.conf import settings
from django.core.cache import caches

from portal import cache as shared_cache

from .problems import RateLimited

PERIODS = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60,
           "h": 3600, "hour": 3600, "d": 86400, "day": 86400}
RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([a-z]+)\s*$")


def parse_rate(rate):
    """"120/min" → (120, 60); "1000/5min" → (1000, 300)."""
    match = RATE.match(rate or "")
    if match is None or match[3] not in PERIODS:
        raise ValueError(f"API_RATE_LIMIT should read like 120/min, not {rate!r}")
    return int(match[1]), int(match[2] or 1) * PERIODS[match[3]]


def check(subject, now=None, unknown_token=False, request=None):
    """Counts one request of `subject`; RateLimited (with the seconds to wait) beyond
    the limit. The window's state is kept on `request` for its RateLimit-* headers."""
    limit, period = parse_rate(settings.API_RATE_LIMIT)
    now = time.time() if now is None else now
    window = int(now // period)
    key = f"api-rate:{subject}:{period}:{window}"
    count = shared_cache.count(caches["default"], key, timeout=period + 1)
    reset = max(1, math.ceil((window + 1) * period - now))
    if request is not None:
        request.api_rate_limit = (limit, max(0, limit - count), reset)
    if count > limit:
        raise RateLimited(reset, unknown_token=unknown_token)
    return limit - count


def headers(request):
    """RateLimit-Limit, -Remaining and -Reset (seconds) of the request's window; none for a
    request that was not counted (not authenticated)."""
    state = getattr(request, "api_rate_limit", None)
    if state is None:
        return {}
    limit, remaining, reset = state
    return {"RateLimit-Limit": str(limit), "RateLimit-Remaining": str(remaining),
            "RateLimit-Reset": str(reset)}
