"""Webhook endpoints in the JSON API: for the partner administrator, as on the webhook
pages, with the same address rules and the delivery log of every attempt."""

from datetime import datetime

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status

from portal.api.auth import require_role
from portal.api.pagination import Page, PageParams, paginate
from portal.api.problems import cleaned
from portal.api.schemas import ERRORS, WRITE_ERRORS
from portal.users.access import PARTNER_ADMIN

from . import services
from .forms import EndpointFieldsForm
from .models import Delivery, DeliveryAttempt, Endpoint, Event

router = Router(tags=["Webhooks"])

EVENTS = ", ".join(f"`{value}`" for value in Event.values)


class EndpointOut(Schema):
    id: int
    url: str
    description: str
    events: list[str]
    active: bool
    created_at: datetime


class EndpointCreatedOut(EndpointOut):
    secret: str = Field(description="Signs every delivery (X-Portal-Signature). Given on "
                                    "this answer only: keep it.")


class EndpointIn(Schema):
    url: str = Field(description="https:// address on a public network.")
    events: list[str] = Field(description=f"Any of {EVENTS}.")
    description: str = ""
    active: bool = True


class EndpointPatch(Schema):
    url: str | None = None
    events: list[str] | None = None
    description: str | None = None
    active: bool | None = None


class AttemptOut(Schema):
    started_at: datetime
    duration_ms: int
    status_code: int | None = Field(description="The endpoint's HTTP status; null when it "
                                                "could not be reached (see `error`).")
    error: str


class DeliveryOut(Schema):
    id: int = Field(description="Sent as X-Portal-Delivery; the same on every attempt.")
    event: str
    status: str = Field(description="`pending`, `delivered` or `failed`.")
    created_at: datetime
    payload: dict = Field(description="The body posted, as posted on every attempt.")
    attempts: list[AttemptOut] = Field(description="Every attempt, oldest first.")


def endpoint_out(endpoint):
    return {"id": endpoint.pk, "url": endpoint.url, "description": endpoint.description,
            "events": endpoint.events, "active": endpoint.active,
            "created_at": endpoint.created_at}


def delivery_out(delivery):
    return {"id": delivery.pk, "event": delivery.event, "status": delivery.status,
            "created_at": delivery.created_at, "payload": delivery.payload,
            "attempts": [{"started_at": attempt.started_at,
                          "duration_ms": attempt.duration_ms,
                          "status_code": attempt.status_code, "error": attempt.error}
                         for attempt in delivery.tries.all()]}


def _checked(url, events, description, active):
    """The fields checked by the page's own form: the same rules and messages."""
    return cleaned(EndpointFieldsForm({"url": url, "events": events,
                                       "description": description, "active": active}))


def _endpoint(request, endpoint_id):
    require_role(request, *PARTNER_ADMIN)
    return get_object_or_404(Endpoint, pk=endpoint_id)


def _deliveries(endpoint):
    return endpoint.deliveries.prefetch_related(
        Prefetch("tries", queryset=DeliveryAttempt.objects.order_by("started_at", "pk")))


@router.get("", response={200: Page[EndpointOut], **ERRORS},
            summary="List webhook endpoints")
def list_webhook_endpoints(request, page: Query[PageParams]):
    require_role(request, *PARTNER_ADMIN)
    rows, cursor = paginate(Endpoint.objects.all(), page, "created_at")
    return {"items": [endpoint_out(endpoint) for endpoint in rows], "next": cursor}


@router.post("", response={201: EndpointCreatedOut, **WRITE_ERRORS},
             summary="Create a webhook endpoint")
def create_webhook_endpoint(request, payload: EndpointIn):
    """The answer carries the signing secret, once."""
    user = require_role(request, *PARTNER_ADMIN)
    data = _checked(payload.url, payload.events, payload.description, payload.active)
    endpoint = services.create_endpoint(url=data["url"], events=data["events"],
                                        description=data["description"], user=user,
                                        active=data["active"])
    return Status(201, {**endpoint_out(endpoint), "secret": endpoint.secret})


@router.get("/{endpoint_id}", response={200: EndpointOut, **ERRORS},
            summary="Get a webhook endpoint")
def get_webhook_endpoint(request, endpoint_id: int):
    return endpoint_out(_endpoint(request, endpoint_id))


@router.patch("/{endpoint_id}", response={200: EndpointOut, **WRITE_ERRORS},
              summary="Change a webhook endpoint")
def update_webhook_endpoint(request, endpoint_id: int, payload: EndpointPatch):
    """Only the fields sent change."""
    endpoint = _endpoint(request, endpoint_id)
    data = _checked(
        endpoint.url if payload.url is None else payload.url,
        endpoint.events if payload.events is None else payload.events,
        endpoint.description if payload.description is None else payload.description,
        endpoint.active if payload.active is None else payload.active)
    services.update_endpoint(endpoint, url=data["url"], events=data["events"],
                             description=data["description"], active=data["active"])
    return endpoint_out(endpoint)


@router.delete("/{endpoint_id}", response={204: None, **WRITE_ERRORS},
               summary="Delete a webhook endpoint")
def delete_webhook_endpoint(request, endpoint_id: int):
    """Stops every delivery to it; its log goes with it."""
    _endpoint(request, endpoint_id).delete()
    return Status(204, None)


@router.get("/{endpoint_id}/deliveries", response={200: Page[DeliveryOut], **ERRORS},
            summary="List an endpoint's deliveries with every attempt")
def list_webhook_deliveries(request, endpoint_id: int, page: Query[PageParams]):
    """Newest first; kept for WEBHOOK_LOG_RETENTION_DAYS."""
    endpoint = _endpoint(request, endpoint_id)
    rows, cursor = paginate(_deliveries(endpoint), page, "-created_at")
    return {"items": [delivery_out(delivery) for delivery in rows], "next": cursor}


@router.post("/{endpoint_id}/deliveries/{delivery_id}/redeliver",
             response={202: DeliveryOut, **WRITE_ERRORS}, summary="Redeliver a delivery")
def redeliver_webhook_delivery(request, endpoint_id: int, delivery_id: int):
    """The same delivery (same id, same body) is attempted once more; the attempt joins its
    log. Refused (422) while the delivery is still being attempted."""
    endpoint = _endpoint(request, endpoint_id)
    delivery = get_object_or_404(Delivery, pk=delivery_id, endpoint=endpoint)
    services.redeliver(delivery)
    return Status(202, delivery_out(_deliveries(endpoint).get(pk=delivery.pk)))
