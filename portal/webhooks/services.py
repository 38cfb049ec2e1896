"""Webhooks (partners' own tools): endpoints, the events the portal emits, and signed
deliveries sent by Celery after commit, retried with exponential back-off."""

from __future__ import annotations

import ipaddress
import json
import secrets
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.outbox.services import enqueue_on_commit
from portal.users.models import User

from . import signing
from .models import Delivery, Endpoint

# A payload: JSON-ready values, dates included (DjangoJSONEncoder writes them).
Payload = dict[str, Any]


def url_problem(url: str | None) -> str | None:
    """Why the portal will not post to `url`, or None. Outside development, only https to
    public addresses: no request may reach the portal's own network (SSRF)."""
    parts = urlsplit(url or "")
    allow_private = settings.WEBHOOK_ALLOW_PRIVATE_URLS
    schemes = ("https", "http") if allow_private else ("https",)
    if parts.scheme not in schemes or not parts.hostname:
        return _("Use an https:// address.")
    if parts.username or parts.password:
        return _("Leave credentials out of the address; deliveries are signed instead.")
    if allow_private:
        return None
    try:
        port = parts.port or 443
        addresses = {str(info[4][0]) for info in socket.getaddrinfo(parts.hostname, port,
                                                               proto=socket.IPPROTO_TCP)}
    except (OSError, ValueError, UnicodeError):
        return _("The host name “%(host)s” does not resolve.") % {"host": parts.hostname}
    for address in addresses:
        if not ipaddress.ip_address(address.split("%")[0]).is_global:
            return _("The address resolves to a private, loopback or link-local network.")
    return None


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def create_endpoint(*, url: str, events: Iterable[str], description: str = "",
                    user: User | None = None) -> Endpoint:
    problem = url_problem(url)
    if problem:
        raise ValidationError({"url": problem})
    if not events:
        raise ValidationError({"events": _("Choose at least one event.")})
    return Endpoint.objects.create(url=url, events=sorted(set(events)),
                                   description=description.strip(), secret=new_secret(),
                                   created_by=user)


def update_endpoint(endpoint: Endpoint, *, url: str, events: Iterable[str], description: str,
                    active: bool) -> Endpoint:
    problem = url_problem(url)
    if problem:
        raise ValidationError({"url": problem})
    if not events:
        raise ValidationError({"events": _("Choose at least one event.")})
    endpoint.url, endpoint.events, endpoint.description, endpoint.active = \
        url, sorted(set(events)), description.strip(), active
    endpoint.save()
    return endpoint


def emit(event: str, payload: Payload) -> None:
    """Queues a delivery of `event` to every active endpoint that asked for it."""
    # tasks.py imports this module: a cycle at start-up.
    from .tasks import deliver

    body = json.loads(json.dumps({"event": event, "data": payload,
                                  "occurred_at": timezone.now()}, cls=DjangoJSONEncoder))
    for endpoint in Endpoint.objects.filter(active=True, events__contains=[event]):
        delivery = Delivery.objects.create(endpoint=endpoint, event=event, payload=body)
        enqueue_on_commit(deliver, delivery.pk)


def redeliver(delivery: Delivery) -> Delivery:
    """The same payload again, as a new delivery (the log keeps both)."""
    # tasks.py imports this module: a cycle at start-up.
    from .tasks import deliver

    copy = Delivery.objects.create(endpoint=delivery.endpoint, event=delivery.event,
                                   payload=delivery.payload)
    enqueue_on_commit(deliver, copy.pk)
    return copy


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # A redirect could lead anywhere, inside networks included.
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def send(delivery: Delivery, now: float | None = None) -> bool:
    """One attempt; returns True when the endpoint answered 2xx."""
    endpoint = delivery.endpoint
    body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()
    timestamp = int(now if now is not None else time.time())
    started = time.monotonic()
    status_code, error = None, ""
    problem = url_problem(endpoint.url)
    if problem:
        error = problem
    else:
        request = urllib.request.Request(endpoint.url, data=body, method="POST", headers={
            "Content-Type": "application/json",
            "User-Agent": "PolyPlus-Portal-Webhooks/1",
            "X-Portal-Event": delivery.event,
            "X-Portal-Delivery": str(delivery.pk),
            signing.HEADER: signing.header_value(endpoint.secret, timestamp, body),
        })
        try:
            with _opener.open(request, timeout=settings.WEBHOOK_TIMEOUT_SECONDS) as response:
                status_code = response.status
        except urllib.error.HTTPError as failure:
            status_code = failure.code
        except (urllib.error.URLError, OSError, ValueError) as failure:
            error = str(getattr(failure, "reason", failure))[:300]
    ok = status_code is not None and 200 <= status_code < 300
    with transaction.atomic():
        delivery.attempts += 1
        delivery.status_code = status_code
        delivery.duration_ms = int((time.monotonic() - started) * 1000)
        delivery.error = "" if ok else (error or _("The endpoint answered %(code)s.") % {
            "code": status_code})[:300]
        delivery.last_attempt_at = timezone.now()
        if ok:
            delivery.status, delivery.delivered_at = Delivery.Status.DELIVERED, timezone.now()
        elif delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
            delivery.status = Delivery.Status.FAILED
        delivery.save()
    return ok


def retry_delay(attempts: int) -> int:
    """Seconds before the next attempt: doubling from WEBHOOK_RETRY_SECONDS."""
    return settings.WEBHOOK_RETRY_SECONDS * 2 ** max(attempts - 1, 0)


# --- What each event carries: the public side only ---------------------------------------
# Tickets, RMAs, reports and quotes live in higher layers, which this one cannot name: the
# payloads take them untyped.

def ticket_payload(ticket: Any) -> Payload:
    return {"id": ticket.pk, "reference": ticket.reference, "site_id": ticket.customer.site_id,
            "subject": ticket.subject, "category": ticket.category,
            "priority": ticket.priority, "status": ticket.status,
            "created_at": ticket.created_at, "updated_at": timezone.now(),
            "resolved_at": ticket.resolved_at}


def rma_payload(rma: Any) -> Payload:
    return {"id": rma.pk, "reference": rma.reference, "site_id": rma.customer.site_id,
            "serial": rma.device.serial, "status": rma.status,
            "promised_ship_date": rma.promised_ship_date, "carrier": rma.carrier,
            "tracking_number": rma.tracking_number,
            "replacement_serial": rma.replacement.serial if rma.replacement else None,
            "chargeable": rma.chargeable,
            "charge": str(rma.charge) if rma.charge is not None else None}


def report_payload(report: Any) -> Payload:
    return {"id": report.pk, "site_id": report.customer.site_id,
            "month": report.month.strftime("%Y-%m"), "published_at": report.published_at}


def quote_payload(quote: Any) -> Payload:
    return {"id": quote.pk, "reference": quote.reference,
            "site_id": quote.contract.customer.site_id,
            "adjustment_month": quote.adjustment_month.strftime("%Y-%m"),
            "months": quote.months, "currency": quote.currency, "total": str(quote.total),
            "lines": [{"category": line.category, "added": line.added,
                       "annual_price": str(line.annual_price), "amount": str(line.amount)}
                      for line in quote.lines.all()]}


