"""Tickets in the JSON API: the ticket list's filters, opening by Site ID, detail and the
conversation, through the same forms and services as the pages. Internal notes exist for
partner staff only: a customer user's answers never contain one."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, File, Query, Router, Schema, Status, UploadedFile

from contracts.models import Customer
from inventory.models import normalise_serial
from inventory.services import devices_visible_to
from portal.api.auth import require_own_site_id, require_role
from portal.api.conditional import CONDITIONAL_OPENAPI, conditional
from portal.api.pagination import Page, PageParams, SyncParams, paginate, paginate_synced
from portal.api.problems import cleaned
from portal.api.schemas import (
    ERRORS,
    WRITE_ERRORS,
    CustomerRef,
    ProblemOut,
    customer_ref,
    one_of,
)
from portal.users.access import EVERYONE_OF_PARTNER
from portal.users.models import Role

from . import services
from .attachments import attachment_response, store_attachment
from .filters import TicketFilterSet
from .forms import TicketApiUpdateForm, TicketForm
from .models import Attachment, Comment, Ticket

router = Router(tags=["Tickets"])


class TicketFilters(Schema):
    q: str | None = Field(None, description="Reference, subject, Site ID, customer name or "
                                            "cloud incident number.")
    status: one_of(["open", *Ticket.Status.values]) = None
    priority: one_of(Ticket.Priority.values) = None
    sla: one_of(["breached", "soon"]) = None
    cloud: one_of(["yes", *Ticket.CloudPartner.values]) = None
    site_id: str | None = Field(None, description="Partner staff: one customer's tickets.")
    escalated: one_of(["yes", "no"]) = Field(None, description="Partner staff.")
    assignee: one_of(["me", "none"]) = Field(None, description="Partner staff.")
    external_reference: str | None = Field(
        None, description="Partner staff: the ticket of that number in another service desk "
                          "(with `external_system` to tell systems apart).")
    external_system: str | None = Field(None, description="Partner staff.")


class DeviceRef(Schema):
    id: int
    serial: str


class TicketOut(Schema):
    id: int
    reference: str
    customer: CustomerRef
    subject: str
    description: str
    category: str
    priority: str
    status: str
    device: DeviceRef | None
    created_at: datetime
    updated_at: datetime
    first_response_at: datetime | None
    response_due_at: datetime | None
    resolution_due_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    sla_breached: bool
    cloud_partner: str
    cloud_status: str
    cloud_incident_number: str
    cloud_findings: str
    escalation_level: str | None = Field(description="Partner staff only (null otherwise).")
    assignee: str | None = Field(description="Partner staff only: the assignee's e-mail.")
    followers: list[str] | None = Field(
        description="Partner staff only: the e-mails of those who get the ticket's e-mails.")
    external_system: str = Field(description="The other service desk holding this ticket "
                                             "(empty when none).")
    external_reference: str = Field(description="The ticket's number there.")


class TicketIn(Schema):
    site_id: str | None = Field(None, description="The customer's Site ID (partner staff). "
                                                  "A customer user's own is implied.")
    subject: str
    description: str
    category: str = Field("technical", json_schema_extra={"enum": Ticket.Category.values})
    priority: str = Field("P3", json_schema_extra={"enum": Ticket.Priority.values})
    device_serial: str | None = Field(None, description="Optional: the device concerned.")
    external_system: str | None = Field(None, max_length=40, description=(
        "Partner staff: the service desk that also holds this ticket (e.g. connectwise)."))
    external_reference: str | None = Field(None, max_length=100, description=(
        "Partner staff: the ticket's number there, unique per customer and system."))


class TicketUpdateIn(Schema):
    """Only the fields sent change; each with the ticket page's rules."""

    status: one_of(Ticket.Status.values) = Field(None, description=(
        "The page's workflow: a customer user may only close a resolved ticket, or reopen "
        "it within the reopening window."))
    priority: one_of(Ticket.Priority.values) = Field(None, description="Partner staff.")
    category: one_of(Ticket.Category.values) = Field(None, description="Partner staff.")
    assignee: str | None = Field(None, description="Partner staff: an agent's e-mail; null "
                                                   "leaves the ticket unassigned.")
    followers: list[str] | None = Field(None, description=(
        "Partner staff: exactly who gets the ticket's e-mails (e-mails of partner staff or "
        "of the customer's users)."))
    external_system: str | None = Field(None, max_length=40, description="Partner staff.")
    external_reference: str | None = Field(None, max_length=100, description=(
        "Partner staff: the ticket's number in `external_system`; empty clears it."))


class AttachmentOut(Schema):
    id: int
    filename: str
    content_type: str
    size: int


class TicketAttachmentOut(AttachmentOut):
    comment_id: int
    internal: bool = Field(description="Attached to an internal note: partner staff only.")
    created_at: datetime


class CommentOut(Schema):
    id: int
    author_name: str
    from_vendor: bool
    internal: bool = Field(description="An internal note: only ever shown to partner staff.")
    body: str
    created_at: datetime
    updated_at: datetime = Field(description="The text never changes: its files may be "
                                             "attached later.")
    attachments: list[AttachmentOut]


class CommentIn(Schema):
    body: str
    internal: bool = Field(False, description="Partner staff only: an internal note, never "
                                              "shown to the customer.")


def ticket_out(ticket, user, followers=None):
    """`followers`: their e-mails when already read (a list reads them per ticket)."""
    staff = user.role != Role.CUSTOMER_USER
    if staff and followers is None:
        followers = sorted(ticket.watchers.values_list("email", flat=True))
    return {
        "id": ticket.pk, "reference": ticket.reference,
        "customer": customer_ref(ticket.customer), "subject": ticket.subject,
        "description": ticket.description, "category": ticket.category,
        "priority": ticket.priority, "status": ticket.status,
        "device": {"id": ticket.device.pk, "serial": ticket.device.serial}
        if ticket.device else None,
        "created_at": ticket.created_at, "updated_at": ticket.updated_at,
        "first_response_at": ticket.first_response_at,
        "response_due_at": ticket.response_due_at,
        "resolution_due_at": ticket.resolution_due_at, "resolved_at": ticket.resolved_at,
        "closed_at": ticket.closed_at, "sla_breached": bool(ticket.sla_breached),
        "cloud_partner": ticket.cloud_partner, "cloud_status": ticket.cloud_status,
        "cloud_incident_number": ticket.cloud_incident_number,
        "cloud_findings": ticket.cloud_findings,
        "escalation_level": ticket.escalation_level if staff else None,
        "assignee": ticket.assignee.email if staff and ticket.assignee else None,
        "followers": followers if staff else None,
        "external_system": ticket.external_system,
        "external_reference": ticket.external_reference,
    }


def followers_of(tickets):
    """{ticket id: follower e-mails} for a page of tickets, in one query."""
    rows = Ticket.watchers.through.objects.filter(
        ticket_id__in=[ticket.pk for ticket in tickets]).values_list(
            "ticket_id", "user__email").order_by("user__email")
    found = {ticket.pk: [] for ticket in tickets}
    for ticket_id, email in rows:
        found[ticket_id].append(email)
    return found


def comment_out(comment):
    return {
        "id": comment.pk, "author_name": comment.author_name,
        "from_vendor": comment.from_vendor, "internal": comment.internal,
        "body": comment.body, "created_at": comment.created_at,
        "updated_at": comment.updated_at,
        "attachments": [{"id": a.pk, "filename": a.filename, "content_type": a.content_type,
                         "size": a.size} for a in comment.attachments.all()],
    }


def _tickets(user):
    return services.with_breach_flag(services.tickets_visible_to(user).select_related(
        "customer", "assignee", "device"))


def _ticket(request, ticket_id):
    user = require_role(request, *EVERYONE_OF_PARTNER)
    return user, get_object_or_404(_tickets(user), pk=ticket_id)


@router.get("", response={200: Page[TicketOut], **ERRORS}, summary="List tickets",
            openapi_extra=CONDITIONAL_OPENAPI)
def list_tickets(request, response: HttpResponse, filters: Query[TicketFilters],
                 sync: Query[SyncParams], page: Query[PageParams]):
    """The tickets the caller may see, newest first, with the ticket list's filters."""
    user = require_role(request, *EVERYONE_OF_PARTNER)
    data = filters.dict(exclude_none=True)
    if "site_id" in data:
        data["customer"] = data.pop("site_id").strip().upper()
    tickets = TicketFilterSet(
        data, queryset=services.tickets_visible_to(user).select_related(
            "customer", "assignee", "device"),
        user=user, customers=Customer.objects.visible_to(user), customer_key="site_id",
        api=True)
    cleaned(tickets.form, {"customer": "site_id"})
    rows, cursor = paginate_synced(services.with_breach_flag(tickets.qs), page, sync,
                                   "-created_at")
    followers = followers_of(rows) if not user.is_customer_user else {}
    return conditional(request, response, {
        "items": [ticket_out(ticket, user, followers.get(ticket.pk)) for ticket in rows],
        "next": cursor})


@router.post("", response={201: TicketOut, **WRITE_ERRORS}, summary="Open a ticket")
def open_ticket(request, payload: TicketIn):
    """Opened with the customer's Site ID; no serial number is needed."""
    user = require_role(request, *EVERYONE_OF_PARTNER)
    implied = user.role == Role.CUSTOMER_USER
    require_own_site_id(user, payload.site_id)
    form = TicketForm({"site_id": payload.site_id or "", "subject": payload.subject,
                       "description": payload.description, "category": payload.category,
                       "priority": payload.priority,
                       "device": normalise_serial(payload.device_serial or "")},
                      devices=devices_visible_to(user), customer_implied=implied)
    form.fields["device"].to_field_name = "serial"
    data = cleaned(form, {"device": "device_serial"})
    customer = user.customer if implied else services.customer_by_site_id(data["site_id"])
    external = (payload.external_system or "", payload.external_reference or "")
    ticket = services.open_ticket(user=user, customer=customer, subject=data["subject"],
                                  description=data["description"], category=data["category"],
                                  priority=data["priority"], device=data.get("device"),
                                  external=external if any(external) else None)
    return Status(201, ticket_out(_tickets(user).get(pk=ticket.pk), user))


@router.get("/{ticket_id}", response={200: TicketOut, **ERRORS}, summary="Get a ticket",
            openapi_extra=CONDITIONAL_OPENAPI)
def get_ticket(request, response: HttpResponse, ticket_id: int):
    user, ticket = _ticket(request, ticket_id)
    return conditional(request, response, ticket_out(ticket, user))


@router.patch("/{ticket_id}", response={200: TicketOut, **WRITE_ERRORS},
              summary="Update a ticket")
def update_ticket(request, ticket_id: int, payload: TicketUpdateIn):
    """Status, priority, category, assignee, followers and the external reference in one
    change: all of them or, when one is refused, none (every refusal is listed)."""
    user, ticket = _ticket(request, ticket_id)
    sent = payload.model_fields_set
    form = TicketApiUpdateForm({name: getattr(payload, name) or ""
                                for name in sent if name != "followers"}
                               | {"followers": payload.followers or []}, ticket=ticket)
    data = cleaned(form)
    external = None
    if sent & {"external_system", "external_reference"}:
        external = (data["external_system"] if "external_system" in sent
                    else ticket.external_system,
                    data["external_reference"] if "external_reference" in sent
                    else ticket.external_reference)
    services.apply_update(
        ticket, user=user, status=data["status"] or None,
        priority=data["priority"] or None, category=data["category"] or None,
        assignee=data["assignee"] if "assignee" in sent else services.KEEP,
        followers=data["followers"] if "followers" in sent else None, external=external)
    return ticket_out(_tickets(user).get(pk=ticket.pk), user)


@router.get("/{ticket_id}/comments", response={200: Page[CommentOut], **ERRORS},
            summary="List a ticket's comments", openapi_extra=CONDITIONAL_OPENAPI)
def list_comments(request, response: HttpResponse, ticket_id: int, sync: Query[SyncParams],
                  page: Query[PageParams]):
    """Public answers, oldest first; internal notes too for partner staff."""
    user, ticket = _ticket(request, ticket_id)
    rows, cursor = paginate_synced(services.visible_comments(ticket, user), page, sync,
                                   "created_at")
    return conditional(request, response, {
        "items": [comment_out(comment) for comment in rows], "next": cursor})


@router.post("/{ticket_id}/comments", response={201: CommentOut, **WRITE_ERRORS},
             summary="Answer a ticket")
def add_comment(request, ticket_id: int, payload: CommentIn):
    user, ticket = _ticket(request, ticket_id)
    comment = services.add_comment(ticket, user=user, body=payload.body,
                                   internal=payload.internal)
    # Read back: the service stamps the time it was written after creating the row.
    comment = Comment.objects.prefetch_related("attachments").get(pk=comment.pk)
    return Status(201, comment_out(comment))


class StatusIn(Schema):
    status: one_of(Ticket.Status.values)


@router.post("/{ticket_id}/status", response={200: TicketOut, **WRITE_ERRORS},
             summary="Change a ticket's status")
def change_status(request, ticket_id: int, payload: StatusIn):
    """The page's workflow: a customer user may only close a resolved ticket, or reopen it
    within the reopening window."""
    user, ticket = _ticket(request, ticket_id)
    services.change_status(ticket, payload.status, user=user)
    return ticket_out(_tickets(user).get(pk=ticket.pk), user)


class EscalationIn(Schema):
    reason: str = Field(..., min_length=1, max_length=2000)


@router.post("/{ticket_id}/escalations", response={200: TicketOut, **WRITE_ERRORS},
             summary="Escalate a ticket to vendor support")
def escalate(request, ticket_id: int, payload: EscalationIn):
    """Partner staff hand an open ticket to the vendor's support engineers, saying why."""
    user, ticket = _ticket(request, ticket_id)
    require_role(request, Role.PARTNER_ADMIN, Role.PARTNER_AGENT)
    services.escalate(ticket, user=user, to_level=Ticket.Level.VENDOR, reason=payload.reason)
    return ticket_out(_tickets(user).get(pk=ticket.pk), user)


def _attachments(ticket, user):
    return Attachment.objects.filter(
        comment__in=services.visible_comments(ticket, user)).select_related("comment")


def attachment_out(attachment):
    return {"id": attachment.pk, "filename": attachment.filename,
            "content_type": attachment.content_type, "size": attachment.size,
            "comment_id": attachment.comment_id, "internal": attachment.comment.internal,
            "created_at": attachment.created_at}


@router.get("/{ticket_id}/attachments", response={200: Page[TicketAttachmentOut], **ERRORS},
            summary="List a ticket's attachments")
def list_attachments(request, ticket_id: int, page: Query[PageParams]):
    """Files of the conversation, oldest first; an internal note's only to partner staff."""
    user, ticket = _ticket(request, ticket_id)
    rows, cursor = paginate(_attachments(ticket, user), page, "pk")
    return {"items": [attachment_out(attachment) for attachment in rows], "next": cursor}


@router.get("/{ticket_id}/attachments/{attachment_id}", response={200: None, **ERRORS},
            summary="Download an attachment",
            openapi_extra={"responses": {200: {
                "description": "The file as it was attached, with the type read from its "
                               "content when it was uploaded.",
                "content": {"application/octet-stream": {
                    "schema": {"type": "string", "format": "binary"}}}}}})
def download_attachment(request, ticket_id: int, attachment_id: int):
    user, ticket = _ticket(request, ticket_id)
    return attachment_response(get_object_or_404(_attachments(ticket, user),
                                                 pk=attachment_id))


@router.post("/{ticket_id}/comments/{comment_id}/attachments",
             response={201: list[AttachmentOut], **WRITE_ERRORS, 413: ProblemOut},
             summary="Attach files to a comment")
def attach_files(request, ticket_id: int, comment_id: int, files: File[list[UploadedFile]]):
    """Files (form field `files`, one or several) added to a comment its caller wrote,
    with the page's checks of type, content and size: all of them, or none."""
    user, ticket = _ticket(request, ticket_id)
    comment = get_object_or_404(services.visible_comments(ticket, user), pk=comment_id)
    if comment.author_id != user.pk:
        raise ValidationError(_("Files can only be added to a comment you wrote."))
    with transaction.atomic():
        stored = [store_attachment(comment, upload) for upload in files]
    return Status(201, [{"id": attachment.pk, "filename": attachment.filename,
                         "content_type": attachment.content_type, "size": attachment.size}
                        for attachment in stored])
