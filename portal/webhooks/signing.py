"""Signatures of webhook deliveries: HMAC-SHA256 over "<timestamp>.<body>".

A receiver recomputes it with the endpoint's secret, compares in constant time and refuses
a timestamp too far from its own clock (replays).
"""

import hashlib
import hmac

HEADER = "X-Portal-Signature"
TOLERANCE_SECONDS = 300


def signature(secret, timestamp, body):
    message = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def header_value(secret, timestamp, body):
    return f"t={timestamp},v1={signature(secret, timestamp, body)}"


def verify(secret, header, body, now):
    """True when `header` signs `body` with `secret` within the tolerance of `now`."""
    try:
        parts = dict(part.split("=", 1) for part in header.split(","))
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > TOLERANCE_SECONDS:
        return False
    return hmac.compare_digest(parts.get("v1", ""), signature(secret, timestamp, body))
