"""Webhooks (partners' own tools): endpoints, the events the portal emits, and signed
deliveries sent by Celery after commit, retried with exponential back-off."""

from __future__ import annotations

import http.client
import ipaddress
import json
import secrets
import socket
import ssl
import time
from collections.abc import Iterable
from datetime import datetime, timedelta
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
from .models import Delivery, DeliveryAttempt, Endpoint, Event

# A payload: JSON-ready values, dates included (DjangoJSONEncoder writes them).
Payload = dict[str, Any]


# IPv6 forms that carry an IPv4 address in their last 32 bits: a NAT64 gateway (RFC 6052)
# or an old host stack reaches that IPv4 address, so it is checked in turn.
NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")
# Local-use NAT64 (RFC 8215): a translator inside some network, never a public one.
LOCAL_NAT64 = ipaddress.IPv6Network("64:ff9b:1::/48")


def _embedded_ipv4(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    found = []
    if address.ipv4_mapped:
        found.append(address.ipv4_mapped)
    if address.sixtofour:
        found.append(address.sixtofour)
    if address.teredo:
        found.extend(address.teredo)
    if address in NAT64 or address in IPV4_COMPATIBLE:
        found.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return found


def is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Globally routable, and so is any IPv4 address an IPv6 form carries."""
    if not address.is_global or address.is_multicast:
        return False
    if isinstance(address, ipaddress.IPv6Address):
        return address not in LOCAL_NAT64 and all(
            is_public(embedded) for embedded in _embedded_ipv4(address))
    return True


def _form_problem(parts: Any) -> str | None:
    schemes = ("https", "http") if settings.WEBHOOK_ALLOW_PRIVATE_URLS else ("https",)
    if parts.scheme not in schemes or not parts.hostname:
        return _("Use an https:// address.")
    if parts.username or parts.password:
        return _("Leave credentials out of the address; deliveries are signed instead.")
    return None


def _resolve(url: str) -> tuple[str | None, str | None]:
    """(the address to connect to, None) or (None, why not): the host is resolved once,
    and outside development every address it resolves to must be public."""
    parts = urlsplit(url or "")
    problem = _form_problem(parts)
    if problem:
        return None, problem
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        infos = socket.getaddrinfo(parts.hostname, port, proto=socket.IPPROTO_TCP)
        addresses = list(dict.fromkeys(str(info[4][0]).split("%")[0] for info in infos))
        if not addresses:
            raise OSError
    except (OSError, ValueError, UnicodeError):
        return None, _("The host name “%(host)s” does not resolve.") % {"host": parts.hostname}
    if not settings.WEBHOOK_ALLOW_PRIVATE_URLS and not all(
            is_public(ipaddress.ip_address(address)) for address in addresses):
        return None, _("The address resolves to a private, loopback or link-local network.")
    return addresses[0], None


def url_problem(url: str | None) -> str | None:
    """Why the portal will not post to `url`, or None. Outside development, only https to
    public addresses: no request may reach the portal's own network (SSRF)."""
    if settings.WEBHOOK_ALLOW_PRIVATE_URLS:
        return _form_problem(urlsplit(url or ""))
    return _resolve(url or "")[1]


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def create_endpoint(*, url: str, events: Iterable[str], description: str = "",
                    user: User | None = None, active: bool = True) -> Endpoint:
    problem = url_problem(url)
    if problem:
        raise ValidationError({"url": problem})
    if not events:
        raise ValidationError({"events": _("Choose at least one event.")})
    return Endpoint.objects.create(url=url, events=sorted(set(events)),
                                   description=description.strip(), secret=new_secret(),
                                   created_by=user, active=active)


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
    """The same delivery again: the same id (X-Portal-Delivery) and the same body, so that a
    receiver that has it already can tell; one more attempt in its log."""
    # tasks.py imports this module: a cycle at start-up.
    from .tasks import deliver

    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().get(pk=delivery.pk)
        if delivery.status == Delivery.Status.PENDING:
            raise ValidationError(_("This delivery is still being attempted; redeliver it "
                                    "once it has succeeded or failed."))
        delivery.status = Delivery.Status.PENDING
        delivery.save(update_fields=["status"])
        enqueue_on_commit(deliver, delivery.pk, redelivery=True)
    return delivery


def purge_deliveries(now: datetime | None = None) -> int:
    """Forgets deliveries (and their attempts) older than WEBHOOK_LOG_RETENTION_DAYS, and
    older attempts of the deliveries kept; none still being attempted."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.WEBHOOK_LOG_RETENTION_DAYS)
    deleted = DeliveryAttempt.objects.filter(started_at__lt=cutoff).exclude(
        delivery__status=Delivery.Status.PENDING).delete()[0]
    return deleted + Delivery.objects.filter(created_at__lt=cutoff).exclude(
        status=Delivery.Status.PENDING).delete()[0]


def _pin(connection: http.client.HTTPConnection, address: str) -> None:
    # The connection goes to the address that was checked, whatever the name resolves to
    # by now (DNS rebinding); the Host header and the TLS name and certificate check still
    # use the host name.
    def connect(target: tuple[str, int], *args: Any, **kwargs: Any) -> socket.socket:
        return socket.create_connection((address, target[1]), *args, **kwargs)
    connection._create_connection = connect  # type: ignore[attr-defined]


def _post(url: str, address: str, body: bytes, headers: dict[str, str]) -> int:
    """Posts to `url` through `address`; the status code. Redirects are not followed: one
    could lead anywhere, inside networks included."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    timeout = settings.WEBHOOK_TIMEOUT_SECONDS
    connection: http.client.HTTPConnection
    if parts.scheme == "https":
        connection = http.client.HTTPSConnection(host, parts.port or 443,
                                                 timeout=timeout,
                                                 context=ssl.create_default_context())
    else:
        connection = http.client.HTTPConnection(host, parts.port or 80,
                                                timeout=timeout)
    _pin(connection, address)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request("POST", path, body=body, headers=headers)
        return connection.getresponse().status
    finally:
        connection.close()


def send(delivery: Delivery, now: float | None = None, *, last: bool = False) -> bool:
    """One attempt, logged; returns True when the endpoint answered 2xx. `last`: no retry
    follows (a redelivery), so a failure fails the delivery."""
    endpoint = delivery.endpoint
    body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()
    timestamp = int(now if now is not None else time.time())
    started_at = timezone.now()
    started = time.monotonic()
    status_code, error = None, ""
    address, problem = _resolve(endpoint.url)
    if address is None:
        error = problem or ""
    else:
        try:
            status_code = _post(endpoint.url, address, body, {
                "Content-Type": "application/json",
                "User-Agent": "PolyPlus-Portal-Webhooks/1",
                "X-Portal-Event": delivery.event,
                "X-Portal-Delivery": str(delivery.pk),
                signing.HEADER: signing.header_value(endpoint.secret, timestamp, body),
            })
        except (OSError, http.client.HTTPException, ValueError) as failure:
            error = (str(failure) or type(failure).__name__)[:300]
    ok = status_code is not None and 200 <= status_code < 300
    duration_ms = int((time.monotonic() - started) * 1000)
    if not ok:
        error = (error or _("The endpoint answered %(code)s.") % {"code": status_code})[:300]
    with transaction.atomic():
        DeliveryAttempt.objects.create(delivery=delivery, started_at=started_at,
                                       duration_ms=duration_ms, status_code=status_code,
                                       error=error)
        delivery.attempts += 1
        delivery.status_code, delivery.duration_ms, delivery.error = \
            status_code, duration_ms, error
        delivery.last_attempt_at = started_at
        if ok:
            delivery.status, delivery.delivered_at = Delivery.Status.DELIVERED, timezone.now()
        elif last or delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
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
            "resolved_at": ticket.resolved_at,
            "external_system": ticket.external_system,
            "external_reference": ticket.external_reference}


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




def quote_decision_payload(quote: Any) -> Payload:
    return {**quote_payload(quote), "status": quote.status, "decided_at": quote.decided_at,
            "po_number": quote.po_number, "decline_reason": quote.decline_reason}


def escalation_payload(ticket: Any, step: Any) -> Payload:
    # The reason stays out: it may quote what the customer never sees.
    return {**ticket_payload(ticket), "escalation_level": step.to_level,
            "from_level": step.from_level, "escalated_at": ticket.escalated_at}


def device_payload(device: Any) -> Payload:
    return {"id": device.pk, "serial": device.serial, "sku": device.product_model.sku,
            "category": device.product_model.category, "site": device.site,
            "room": device.room, "status": device.status, "source": device.source}


def emit_devices_registered(customer: Any, devices: list[Any]) -> None:
    """`device.registered`: the devices of one registration, at most
    WEBHOOK_DEVICES_PER_EVENT an event (a large bulk registration sends several)."""
    size = settings.WEBHOOK_DEVICES_PER_EVENT
    for start in range(0, len(devices), size):
        emit(Event.DEVICE_REGISTERED, {
            "site_id": customer.site_id,
            "devices": [device_payload(device) for device in devices[start:start + size]]})


def emit_devices_changed(customer: Any, change: str, serials: dict[str, list[str]],
                         counts: dict[str, int], **about: Any) -> None:
    """`device.changed`: one event per change of a customer's devices (a Lens import
    applied, a replacement shipped) listing the serial numbers it touched, each list at most
    WEBHOOK_DEVICES_PER_EVENT long (`truncated` says when one is longer)."""
    size = settings.WEBHOOK_DEVICES_PER_EVENT
    emit(Event.DEVICE_CHANGED, {
        "site_id": customer.site_id, "change": change, **about, "counts": counts,
        "serials": {kind: listed[:size] for kind, listed in serials.items()},
        "truncated": any(counts[kind] > len(listed[:size])
                         for kind, listed in serials.items())})
