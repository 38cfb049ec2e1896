"""The shared cache: Redis, and while Redis cannot be reached, a cache of this process.

Rate limits (logins, the API) and other counters live in the cache. With Redis down they
count per process for a while, which a warning in the log says, rather than refusing every
login and every API call.
"""

import logging
import time

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

UNREACHABLE = (RedisConnectionError, RedisTimeoutError)
# Seconds between two warnings, so that an outage does not flood the log.
WARNING_INTERVAL = 60
# Seconds during which, once Redis failed, the process's cache answers without trying Redis:
# a request makes several cache calls, and each would otherwise wait to find Redis gone.
RETRY_AFTER = 5
# When each Redis server failed last, for every cache object of this process.
_down_until: dict[str, float] = {}


# INCR, and the expiry given by the request that makes the key: one round trip, atomic.
COUNT_SCRIPT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return count
"""


def count(cache, key, timeout):
    """Adds one to the counter `key` of `cache`, made with `timeout` seconds to live when
    missing, and returns it."""
    if isinstance(cache, FallbackRedisCache):
        return cache.count(key, timeout)
    cache.add(key, 0, timeout=timeout)
    try:
        return cache.incr(key)
    except ValueError:  # expired between the two calls
        cache.set(key, 1, timeout=timeout)
        return 1


class FallbackRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self.fallback = LocMemCache(f"fallback-{server}", {**params, "OPTIONS": {}})
        self.server = server
        self._warned_at = None

    def _unreachable(self, error):
        now = time.monotonic()
        _down_until[self.server] = now + RETRY_AFTER
        if self._warned_at is None or now - self._warned_at > WARNING_INTERVAL:
            self._warned_at = now
            logger.warning("Redis cannot be reached (%s): the cache of this process stands "
                           "in; rate limits count per process until Redis is back.", error)

    def count(self, key, timeout):
        if time.monotonic() < _down_until.get(self.server, 0.0):
            return count(self.fallback, key, timeout)
        redis_key = self.make_and_validate_key(key)
        try:
            client = self._cache.get_client(redis_key, write=True)
            return int(client.eval(COUNT_SCRIPT, 1, redis_key, int(timeout)))
        except UNREACHABLE as error:
            self._unreachable(error)
            return count(self.fallback, key, timeout)


def _falls_back(name):
    def method(self, *args, **kwargs):
        if time.monotonic() < _down_until.get(self.server, 0.0):
            return getattr(self.fallback, name)(*args, **kwargs)
        try:
            return getattr(RedisCache, name)(self, *args, **kwargs)
        except UNREACHABLE as error:
            self._unreachable(error)
            return getattr(self.fallback, name)(*args, **kwargs)

    method.__name__ = name
    return method


for _name in ("add", "get", "set", "touch", "delete", "get_many", "has_key", "incr",
              "set_many", "delete_many", "clear"):
    setattr(FallbackRedisCache, _name, _falls_back(_name))
