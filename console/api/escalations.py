"""The vendor console's escalation queue in the JSON API (support engineers): escalated
tickets of every partner, with the queue page's filters, read by
console.crossschema.escalated_tickets like the page."""

from datetime import datetime

from django.http import HttpResponse
from ninja import Field, Query, Router, Schema

from console import crossschema
from console.forms import EscalationFilterForm
from portal.api.auth import require_role
from portal.api.conditional import CONDITIONAL_OPENAPI, conditional
from portal.api.pagination import (
    Page,
    PageParams,
    SyncParams,
    decode_offset,
    next_offset,
    paginate_rows,
)
from portal.api.problems import cleaned
from portal.api.schemas import ERRORS, PartnerRef, one_of, partner_ref
from portal.users.models import Role
from tickets.models import Ticket

router = Router(tags=["Escalations"])


class EscalationFilters(Schema):
    q: str | None = Field(None, description="Part of the subject, Site ID, customer name or "
                                            "cloud incident number.")
    status: one_of(["open", "", *Ticket.Status.values]) = Field(
        "open", description="`open` (the default), one status, or empty for all.")
    level: one_of([Ticket.Level.VENDOR, Ticket.Level.SPECIALIST]) = None
    partner: str | None = Field(None, description="A partner's slug.")


class EscalatedCustomer(Schema):
    site_id: str
    name: str


class EscalationOut(Schema):
    partner: PartnerRef
    id: int = Field(description="The ticket's id in its partner's portal.")
    reference: str
    subject: str
    priority: str
    status: str
    escalation_level: str
    escalated_at: datetime | None
    resolution_due_at: datetime | None
    resolved_at: datetime | None
    cloud_partner: str
    customer: EscalatedCustomer
    breached: bool = Field(description="A response or resolution deadline was missed.")
    updated_at: datetime = Field(description="When what is shown here last changed (a "
                                             "deadline passing does not change it).")


def escalation_out(ticket):
    return {
        "partner": partner_ref(ticket.partner), "id": ticket.pk,
        "reference": ticket.reference, "subject": ticket.subject,
        "priority": ticket.priority, "status": ticket.status,
        "escalation_level": ticket.escalation_level, "escalated_at": ticket.escalated_at,
        "resolution_due_at": ticket.resolution_due_at, "resolved_at": ticket.resolved_at,
        "cloud_partner": ticket.cloud_partner,
        "customer": {"site_id": ticket.site_id, "name": ticket.customer_name},
        "breached": bool(ticket.breached),  # SQL's NULL when no deadline is set
        "updated_at": ticket.updated_at,
    }


@router.get("", response={200: Page[EscalationOut], **ERRORS},
            summary="List escalated tickets", openapi_extra=CONDITIONAL_OPENAPI)
def list_escalations(request, response: HttpResponse, filters: Query[EscalationFilters],
                     sync: Query[SyncParams], page: Query[PageParams]):
    """Escalated tickets of every active partner, newest escalation first."""
    require_role(request, Role.SUPPORT_ENGINEER)
    criteria = cleaned(EscalationFilterForm(filters.dict(exclude_none=True)))
    queue = {"status": criteria.get("status", ""), "level": criteria.get("level", ""),
             "query": criteria.get("q", "").strip(),
             "partner_slug": criteria.get("partner", "")}
    if sync.updated_since or sync.ordering:
        tickets, cursor = paginate_rows(crossschema.escalation_rows(**queue), page, sync)
    else:  # the queue as the page reads it, with its count, in one query
        offset = decode_offset(page.cursor)
        tickets, total = crossschema.escalated_tickets(**queue, limit=page.limit,
                                                       offset=offset)
        cursor = next_offset(offset, page, total)
    return conditional(request, response, {
        "items": [escalation_out(ticket) for ticket in tickets], "next": cursor})
