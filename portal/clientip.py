"""Who sent a request: the one client address that login throttling (allauth) and the
API's rate limit count by."""

import ipaddress

from django.conf import settings


def client_ip(request):
    """REMOTE_ADDR; behind TRUSTED_PROXY_COUNT reverse proxies, the address the first of
    them saw. Each proxy appends the address it was reached from to X-Forwarded-For, so
    that one is the last but (count - 1) entry; anything further left is the client's own
    word and is never read."""
    remote = request.META.get("REMOTE_ADDR", "")
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if hop.strip()]
    if len(hops) < count:
        return remote
    try:
        return str(ipaddress.ip_address(hops[-count].strip("[]")))
    except ValueError:
        return remote
