"""Ticket actions (SPEC §7): opening by Site ID, the status workflow and its SLA clock,
the conversation, escalation and cloud-partner incidents.

Vendor staff act on a partner's tickets from the console, inside that partner's schema; they
have no user row there, so their name is recorded instead of a foreign key.

Every action that changes what the console's escalation queue shows of a ticket (status,
priority, level, due instants, first response, resolution, cloud partner, breaches) writes
its row of the console's index (tickets/queries.py) in the same transaction.

Row locks: a ticket action locks its ticket's row only (`of=("self",)`, not the customer row
it joins). The customer's row is the first lock of the replacements (tickets/rma/services.py),
which then refer to the ticket: locking the ticket and then its customer would be the reverse
order, and a request from a ticket beside a status change of it would deadlock.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, transaction
from django.db.models import (
    BooleanField,
    Count,
    DateField,
    DateTimeField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from contracts.models import (
    AuthorisationLetter,
    Contract,
    Customer,
    visible_customers_q,
    visible_prepared,
)
from contracts.services import authorisation_letter_refusal
from inventory.models import Device
from portal.audit import AuditEntry, audit_entries, historical_model
from portal.catalogue.eligibility import Coverage, Reason, coverage
from portal.catalogue.models import Category
from portal.prepared import PreparedRows, totals
from portal.tenants.branding import current_brand
from portal.users.models import PARTNER_ROLES, PARTNER_STAFF_ROLES, Role, User
from portal.webhooks import services as webhooks
from portal.webhooks.models import Event

from . import notifications, sla
from .attachments import store_attachment
from .models import (
    Attachment,
    Breach,
    CloudNotice,
    Comment,
    Escalation,
    JointCall,
    Pause,
    Rma,
    Ticket,
    TicketQuerySet,
    breached_q,
)
from .queries import index_tickets

Status = Ticket.Status
Level = Ticket.Level
# The clock runs in these statuses only.
RUNNING_STATUSES = (Status.NEW, Status.IN_PROGRESS)

# Where each status may go next; reopening is checked apart (it has a time limit).
TRANSITIONS = {
    Status.NEW: {Status.IN_PROGRESS, Status.WAITING, Status.RESOLVED},
    Status.IN_PROGRESS: {Status.WAITING, Status.RESOLVED},
    Status.WAITING: {Status.IN_PROGRESS, Status.RESOLVED},
    Status.RESOLVED: {Status.CLOSED},
    Status.CLOSED: set(),
}
# A customer user may only close a resolved ticket or reopen it.
CUSTOMER_TRANSITIONS = {(Status.RESOLVED, Status.CLOSED)}

# Who may move a ticket between levels: partner staff hand it to the vendor; vendor
# engineers take it further or hand it back.
ESCALATIONS = {
    (Level.PARTNER, Level.VENDOR): PARTNER_STAFF_ROLES | {Role.SUPPORT_ENGINEER},
    (Level.VENDOR, Level.SPECIALIST): {Role.SUPPORT_ENGINEER},
    (Level.SPECIALIST, Level.VENDOR): {Role.SUPPORT_ENGINEER},
    (Level.VENDOR, Level.PARTNER): {Role.SUPPORT_ENGINEER},
    (Level.SPECIALIST, Level.PARTNER): {Role.SUPPORT_ENGINEER},
}


def tickets_visible_to(user: User) -> TicketQuerySet:
    return Ticket.objects.filter(visible_customers_q(user))


# What a ticket's page reads with it; the rest comes from `ticket_page_rows`.
TICKET_PAGE_RELATED = ("customer", "device__product_model")


def ticket_visible_to(user: User, pk: int) -> Ticket | None:
    """The ticket `pk` with what its page reads with it, if `user` may see it."""
    rows = visible_prepared(
        user, "ticket", Ticket, lambda visible, pk: Ticket.objects
        .select_related(*TICKET_PAGE_RELATED).filter(visible, pk=pk),
        {"pk": Ticket._meta.pk}, {"pk": pk})
    return rows.first() if rows else None


def escalated_ticket(pk: int) -> Ticket | None:
    """The ticket `pk` of the current partner's schema if it is escalated to the vendor,
    with what its page reads with it: the vendor console's read."""
    return PreparedRows(
        "escalated-ticket", Ticket, lambda pk: Ticket.objects
        .select_related(*TICKET_PAGE_RELATED).exclude(escalation_level=Ticket.Level.PARTNER)
        .filter(pk=pk), {"pk": Ticket._meta.pk}, {"pk": pk}).first()


def latest_tickets_of_device(user: User, device: Device, limit: int) -> list[Ticket]:
    """The device's `limit` latest tickets that `user` may see (the device page's)."""
    rows = visible_prepared(
        user, f"device-tickets:{limit}", Ticket, lambda visible, device: Ticket.objects
        .filter(visible, device=device).order_by("-created_at", "-pk")[:limit],
        {"device": Ticket._meta.get_field("device")}, {"device": device.pk})
    return rows.all() if rows else []


def is_local(user: User | None) -> bool:
    """True for a user of the partner's own schema (not vendor staff)."""
    return user is not None and user.role in PARTNER_ROLES


def is_staff(user: User) -> bool:
    return user.role != Role.CUSTOMER_USER


def customer_by_site_id(site_id: str | None) -> Customer:
    customer = Customer.objects.filter(site_id=(site_id or "").strip().upper()).first()
    if customer is None:
        raise ValidationError({"site_id": _("No customer has the Site ID “%(site_id)s”.") % {
            "site_id": site_id}})
    return customer


def _index(ticket: Ticket) -> None:
    """The console's index row of an escalated ticket (tickets at the partner's level have
    none, and escalate() writes or removes the row when the level changes)."""
    if ticket.escalation_level != Level.PARTNER:
        index_tickets([ticket.pk])


# --- SLA -------------------------------------------------------------------------------

def calendar_for(ticket: Ticket) -> sla.BusinessCalendar | None:
    clock = sla.targets(ticket.priority)[0]
    if clock == sla.TWENTY_FOUR_SEVEN:
        return None
    return sla.BusinessCalendar.for_ticket(current_brand(), ticket.customer)


def _pauses(ticket: Ticket) -> list[tuple[datetime, datetime | None]]:
    return [(pause.started_at, pause.ended_at) for pause in ticket.pauses.all()]


def refresh_sla(ticket: Ticket) -> None:
    """Recomputes the due instants after anything that moves them."""
    _, response, resolution = sla.targets(ticket.priority)
    calendar, pauses = calendar_for(ticket), _pauses(ticket)
    ticket.response_due_at = sla.due_instant(ticket.created_at, response, pauses, calendar)
    ticket.resolution_due_at = sla.due_instant(ticket.created_at, resolution, pauses, calendar)
    Ticket.objects.filter(pk=ticket.pk).update(response_due_at=ticket.response_due_at,
                                               resolution_due_at=ticket.resolution_due_at,
                                               updated_at=timezone.now())


@dataclass
class Clock:
    target: str
    minutes: int
    due_at: datetime | None
    met_at: datetime | None
    state: str  # met, missed, running, paused, breached
    left: timedelta | None


def sla_clocks(ticket: Ticket, now: datetime | None = None,
               pauses: list[tuple[datetime, datetime | None]] | None = None) -> list[Clock]:
    """The response and resolution clocks as a ticket page shows them (`pauses`: the
    ticket's, when read already, as ticket_page_rows does)."""
    now = now or timezone.now()
    _, response, resolution = sla.targets(ticket.priority)
    calendar = calendar_for(ticket)
    if pauses is None:
        pauses = _pauses(ticket)
    clocks = []
    for target, minutes, due_at, met_at in (
        (Breach.Target.RESPONSE, response, ticket.response_due_at, ticket.first_response_at),
        (Breach.Target.RESOLUTION, resolution, ticket.resolution_due_at, ticket.resolved_at),
    ):
        used = sla.clock_time_used(ticket.created_at, met_at or now, pauses, calendar)
        left = timedelta(minutes=minutes) - used
        if met_at is not None:
            state = "met" if left >= timedelta(0) else "missed"
        elif due_at is None:
            state = "paused"
        else:
            state = "running" if now < due_at else "breached"
        clocks.append(Clock(target, minutes, due_at, met_at, state, left))
    return clocks


def breaching_soon_q(now: datetime | None = None, soon: datetime | None = None) -> Q:
    """`soon`: the end of the warning window, when `now` is a query's parameter."""
    now = now or timezone.now()
    soon = soon or now + timedelta(minutes=settings.TICKET_SLA_WARNING_MINUTES)
    return Q(status__in=Ticket.OPEN_STATUSES) & (
        Q(first_response_at__isnull=True, response_due_at__gt=now, response_due_at__lte=soon)
        | Q(resolved_at__isnull=True, resolution_due_at__gt=now, resolution_due_at__lte=soon))


def _record_breach(ticket: Ticket, target: str, due_at: datetime) -> None:
    Breach.objects.get_or_create(ticket=ticket, target=target,
                                 defaults={"due_at": due_at, "priority": ticket.priority})


def record_breaches(now: datetime | None = None) -> int:
    """Records every target missed by `now` in the current schema (run by the beat)."""
    now = now or timezone.now()
    recorded = 0
    for target, missed in (
        (Breach.Target.RESPONSE, Q(response_due_at__lte=now) & (
            Q(first_response_at__isnull=True) | Q(first_response_at__gt=F("response_due_at")))),
        (Breach.Target.RESOLUTION, Q(resolution_due_at__lte=now) & (
            Q(resolved_at__isnull=True) | Q(resolved_at__gt=F("resolution_due_at")))),
    ):
        field = f"{target}_due_at"
        tickets = Ticket.objects.filter(missed).exclude(breaches__target=target)
        new = [Breach(ticket_id=pk, target=target, due_at=due_at, priority=priority)
               for pk, due_at, priority in tickets.values_list("pk", field, "priority")]
        recorded += len(Breach.objects.bulk_create(new, ignore_conflicts=True))
        index_tickets(breach.ticket_id for breach in new)  # escalated ones only
    return recorded


# --- Lists ------------------------------------------------------------------------------

def with_breach_flag(tickets: TicketQuerySet, now: datetime | None = None) -> TicketQuerySet:
    return tickets.annotate(sla_breached=ExpressionWrapper(breached_q(now),
                                                           output_field=BooleanField()))


# --- Opening and the workflow -----------------------------------------------------------

@transaction.atomic
def open_ticket(*, user: User, customer: Customer, subject: str, description: str,
                category: str, priority: str, device: Device | None = None,
                external: tuple[str, str] | None = None,
                now: datetime | None = None) -> Ticket:
    """`external`: (system, reference) of the same ticket in another service desk."""
    if device is not None and device.customer_id != customer.pk:
        raise ValidationError({"device": _("This device belongs to another customer.")})
    ticket = Ticket.objects.create(customer=customer, subject=subject, description=description,
                                   category=category, priority=priority, device=device,
                                   opened_by=user if is_local(user) else None)
    if external is not None and (external[1] or "").strip():
        set_external_reference(ticket, user=user, system=external[0], reference=external[1])
    if now is not None:  # an import or the demo, telling when it really happened
        ticket.created_at = now
        Ticket.objects.filter(pk=ticket.pk).update(created_at=now)
    if is_staff(user):
        # Opened by the support side: the customer is already in contact with it.
        ticket.first_response_at = ticket.created_at
        Ticket.objects.filter(pk=ticket.pk).update(first_response_at=ticket.created_at)
    if is_local(user):
        ticket.watchers.add(user)
    refresh_sla(ticket)
    notifications.ticket_created(ticket, actor=user)
    webhooks.emit(Event.TICKET_CREATED, webhooks.ticket_payload(ticket))
    return ticket


def can_reopen(ticket: Ticket, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    if ticket.status not in (Status.RESOLVED, Status.CLOSED) or ticket.resolved_at is None:
        return False
    return now <= ticket.resolved_at + timedelta(days=settings.TICKET_REOPEN_DAYS)


def allowed_statuses(ticket: Ticket, user: User,
                     now: datetime | None = None) -> set[Ticket.Status]:
    """The statuses `user` may move `ticket` to now."""
    targets = set(TRANSITIONS[Status(ticket.status)])
    if user.role == Role.CUSTOMER_USER:
        targets = {target for target in targets
                   if (ticket.status, target) in CUSTOMER_TRANSITIONS}
    if can_reopen(ticket, now):
        targets.add(Status.IN_PROGRESS)
    return targets


@transaction.atomic
def change_status(ticket: Ticket, new_status: str, *, user: User,
                  now: datetime | None = None) -> Ticket:
    now = now or timezone.now()
    ticket = Ticket.objects.select_for_update(of=("self",)).select_related(
        "customer").get(pk=ticket.pk)
    if new_status not in allowed_statuses(ticket, user, now):
        raise ValidationError(_("A ticket that is “%(current)s” cannot become “%(new)s”.") % {
            "current": ticket.get_status_display(), "new": Status(new_status).label})
    old_status = ticket.status
    if new_status == Status.RESOLVED:
        ticket.resolved_at = now
    elif new_status == Status.CLOSED:
        ticket.closed_at = now
    elif old_status in (Status.RESOLVED, Status.CLOSED):  # reopened
        ticket.resolved_at = ticket.closed_at = None
    ticket.status = new_status
    ticket.save()
    was_running, runs = old_status in RUNNING_STATUSES, new_status in RUNNING_STATUSES
    if was_running and not runs:
        Pause.objects.create(ticket=ticket, status=new_status, started_at=now)
    elif runs and not was_running:
        ticket.pauses.filter(ended_at__isnull=True).update(ended_at=now)
    if new_status == Status.RESOLVED and ticket.resolution_due_at \
            and now > ticket.resolution_due_at:
        _record_breach(ticket, Breach.Target.RESOLUTION, ticket.resolution_due_at)
    refresh_sla(ticket)
    _index(ticket)
    notifications.status_changed(ticket, old_status, actor=user)
    webhooks.emit(Event.TICKET_RESOLVED if new_status == Status.RESOLVED
                  else Event.TICKET_UPDATED, webhooks.ticket_payload(ticket))
    return ticket


@transaction.atomic
def update_ticket(ticket: Ticket, *, user: User, priority: str, category: str,
                  assignee: User | None) -> Ticket:
    """Staff edits of the ticket's fields; a new priority moves the SLA targets."""
    ticket = Ticket.objects.select_for_update(of=("self",)).select_related(
        "customer").get(pk=ticket.pk)
    if assignee is not None and assignee.role not in PARTNER_STAFF_ROLES:
        raise ValidationError({"assignee": _("Assign the ticket to a partner agent.")})
    priority_changed = ticket.priority != priority
    ticket.priority, ticket.category, ticket.assignee = priority, category, assignee
    ticket.save()
    if assignee is not None:
        ticket.watchers.add(assignee)
    if priority_changed:
        refresh_sla(ticket)
    _index(ticket)
    webhooks.emit(Event.TICKET_UPDATED, webhooks.ticket_payload(ticket))
    return ticket


def set_external_reference(ticket: Ticket, *, user: User, system: str,
                           reference: str) -> Ticket:
    """The ticket's number in another service desk, unique per customer and system, so
    that a system syncing both ways finds its ticket again. An empty reference clears it."""
    if user.role not in PARTNER_STAFF_ROLES:
        raise ValidationError(_("Only partner staff set a ticket's external reference."))
    system, reference = (system or "").strip(), (reference or "").strip()
    if not reference:
        system = ""
    elif not system:
        raise ValidationError({"external_system": _(
            "Name the system the reference belongs to.")})
    taken = (Ticket.objects.filter(customer_id=ticket.customer_id, external_system=system,
                                   external_reference=reference)
             .exclude(pk=ticket.pk).first() if reference else None)
    if taken is not None:
        raise ValidationError({"external_reference": _(
            "%(reference)s in %(system)s already belongs to ticket %(ticket)s.") % {
                "reference": reference, "system": system, "ticket": taken.reference}})
    ticket.external_system, ticket.external_reference = system, reference
    try:
        with transaction.atomic():
            ticket.save(update_fields=["external_system", "external_reference", "updated_at"])
    except IntegrityError:  # the same reference given to another ticket meanwhile
        raise ValidationError({"external_reference": _(
            "%(reference)s in %(system)s already belongs to another ticket.") % {
                "reference": reference, "system": system}}) from None
    return ticket


def possible_followers(ticket: Ticket) -> QuerySet[User]:
    """Who may follow a ticket: those who may see it (active partner staff and the
    customer's own users)."""
    return User.objects.filter(Q(role__in=PARTNER_STAFF_ROLES)
                               | Q(role=Role.CUSTOMER_USER, customer_id=ticket.customer_id),
                               is_active=True)


def set_followers(ticket: Ticket, *, user: User, followers: Iterable[User]) -> None:
    """Partner staff choose exactly who gets the ticket's e-mails."""
    if user.role not in PARTNER_STAFF_ROLES:
        raise ValidationError(_("Only partner staff choose who follows a ticket."))
    followers = list(followers)
    allowed = set(possible_followers(ticket).filter(
        pk__in=[follower.pk for follower in followers]).values_list("pk", flat=True))
    refused = sorted(follower.email for follower in followers if follower.pk not in allowed)
    if refused:
        raise ValidationError({"followers": _(
            "These people cannot see this ticket: %(emails)s.") % {
                "emails": ", ".join(refused)}})
    ticket.watchers.set(followers)


def set_watching(ticket: Ticket, user: User, watching: bool) -> None:
    """Followers get the ticket's e-mails; anyone who may see the ticket may follow it."""
    if watching:
        ticket.watchers.add(user)
    else:
        ticket.watchers.remove(user)


# --- Conversation -----------------------------------------------------------------------

@transaction.atomic
def add_comment(ticket: Ticket, *, user: User, body: str, internal: bool = False,
                files: Iterable[UploadedFile] = (), now: datetime | None = None) -> Comment:
    if internal and user.role == Role.CUSTOMER_USER:
        raise ValidationError(_("Customer users cannot write internal notes."))
    if not body.strip():
        raise ValidationError({"body": _("Write a message.")})
    now = now or timezone.now()
    comment = Comment.objects.create(
        ticket=ticket, author=user if is_local(user) else None,
        author_name=user.display_name, from_vendor=not is_local(user),
        body=body.strip(), internal=internal)
    Comment.objects.filter(pk=comment.pk).update(created_at=now)
    for upload in files:
        store_attachment(comment, upload)
    if is_local(user):
        ticket.watchers.add(user)
    updates = {"updated_at": now}
    if not internal and is_staff(user) and ticket.first_response_at is None:
        ticket.first_response_at = updates["first_response_at"] = now
        if ticket.response_due_at and now > ticket.response_due_at:
            _record_breach(ticket, Breach.Target.RESPONSE, ticket.response_due_at)
    Ticket.objects.filter(pk=ticket.pk).update(**updates)
    if "first_response_at" in updates:
        _index(ticket)
    if not internal:
        notifications.comment_added(ticket, comment, actor=user)
        webhooks.emit(Event.TICKET_UPDATED, webhooks.ticket_payload(ticket))
    return comment


# Moved by the clock, not by a person: left out of the history shown on the page.
HISTORY_HIDDEN = ["response_due_at", "resolution_due_at", "first_response_at", "created_at"]


def ticket_history(ticket: Ticket, records: list[Any] | None = None,
                   people: dict[int, User] | None = None) -> list[AuditEntry]:
    """The ticket's changes, the latest first (`records`: its historical records, and
    `people`: the users they name, when read already, as ticket_page_rows does)."""
    return list(reversed(audit_entries(
        ticket.history.all() if records is None else records, lambda record: _("Ticket"),
        hidden=HISTORY_HIDDEN, known={User: people} if people is not None else None)))


def visible_comments(ticket: Ticket, user: User) -> QuerySet[Comment]:
    """Internal notes exist for partner and vendor staff only."""
    comments = ticket.comments.select_related("author").prefetch_related("attachments")
    if user.role == Role.CUSTOMER_USER:
        comments = comments.filter(internal=False)
    return comments


# --- Escalation -------------------------------------------------------------------------

def allowed_levels(ticket: Ticket, user: User) -> list[Ticket.Level]:
    return [Level(to) for (frm, to), roles in ESCALATIONS.items()
            if frm == ticket.escalation_level and user.role in roles]


@transaction.atomic
def escalate(ticket: Ticket, *, user: User, to_level: str, reason: str,
             now: datetime | None = None) -> Escalation:
    """Moves the ticket up or down a level, recording who, when and why."""
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if to_level not in allowed_levels(ticket, user):
        raise ValidationError(_("This ticket cannot go from “%(current)s” to “%(new)s”.") % {
            "current": ticket.get_escalation_level_display(),
            "new": Level(to_level).label if to_level in Level.values else to_level})
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why.")})
    if not ticket.is_open:
        raise ValidationError(_("Only an open ticket can be escalated or handed back."))
    step = Escalation.objects.create(
        ticket=ticket, from_level=ticket.escalation_level, to_level=to_level,
        actor_name=user.display_name, actor_email=user.email,
        from_vendor=not is_local(user), reason=reason.strip())
    now = now or timezone.now()
    Escalation.objects.filter(pk=step.pk).update(created_at=now)
    ticket.escalation_level = to_level
    if step.is_escalation:
        ticket.escalated_at = now
    ticket.save()
    index_tickets([ticket.pk])  # written, or removed when handed back to the partner
    if step.is_escalation and to_level == Level.VENDOR:
        notifications.escalated_to_vendor(ticket, step)
    if step.is_escalation:
        webhooks.emit(Event.TICKET_ESCALATED, webhooks.escalation_payload(ticket, step))
    return step


# --- Cloud ecosystem partner ------------------------------------------------------------

def letter_refusal(customer: Customer, on_date: date | None = None,
                   letters: list[AuthorisationLetter] | None = None) -> str | None:
    """Why no incident may be opened for this customer, or None when a valid letter is on file
    (`letters`: the customer's, when read already, as customer_panel does)."""
    return authorisation_letter_refusal(customer, on_date or customer.today(), letters)


def _cloud_partner(value: str) -> str:
    if value not in Ticket.CloudPartner.values:
        raise ValidationError({"cloud_partner": _("Choose the cloud partner.")})
    return value


@transaction.atomic
def open_cloud_incident(ticket: Ticket, *, user: User, cloud_partner: str,
                        incident_number: str, findings: str,
                        on_date: date | None = None) -> Ticket:
    """Records an incident opened with the cloud partner on the customer's behalf."""
    ticket = Ticket.objects.select_for_update(of=("self",)).select_related(
        "customer").get(pk=ticket.pk)
    refusal = letter_refusal(ticket.customer, on_date)
    if refusal:
        raise ValidationError(refusal)
    if not (incident_number or "").strip():
        raise ValidationError({"incident_number": _(
            "Enter the cloud partner's incident number.")})
    ticket.cloud_partner = _cloud_partner(cloud_partner)
    ticket.cloud_status = Ticket.CloudStatus.OPEN
    ticket.cloud_incident_number = incident_number.strip()
    ticket.cloud_findings = (findings or "").strip()
    ticket.save()
    _index(ticket)
    return ticket


@transaction.atomic
def refer_to_cloud_partner(ticket: Ticket, *, user: User, cloud_partner: str, findings: str,
                           now: datetime | None = None) -> Ticket:
    """No incident on the customer's behalf: the findings are recorded and the customer is
    told, in a public answer, to contact the cloud partner."""
    ticket = Ticket.objects.select_for_update(of=("self",)).select_related(
        "customer").get(pk=ticket.pk)
    if not (findings or "").strip():
        raise ValidationError({"findings": _("Record the findings for the customer.")})
    ticket.cloud_partner = _cloud_partner(cloud_partner)
    ticket.cloud_status = Ticket.CloudStatus.REFERRED
    ticket.cloud_findings = findings.strip()
    ticket.save()
    _index(ticket)
    message = _("Our findings show that the problem lies with %(partner)s. Please open a "
                "case with %(partner)s and share these findings:\n\n%(findings)s") % {
        "partner": ticket.get_cloud_partner_display(), "findings": ticket.cloud_findings}
    add_comment(ticket, user=user, body=message, now=now)
    return ticket


@transaction.atomic
def add_cloud_notice(ticket: Ticket, *, user: User, body: str, closes_incident: bool = False,
                     now: datetime | None = None) -> CloudNotice:
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if ticket.cloud_status not in (Ticket.CloudStatus.OPEN, Ticket.CloudStatus.CLOSED):
        raise ValidationError(_("No incident is open with a cloud partner."))
    if not (body or "").strip():
        raise ValidationError({"body": _("Write the notice.")})
    notice = CloudNotice.objects.create(ticket=ticket, body=body.strip(),
                                        author_name=user.display_name)
    CloudNotice.objects.filter(pk=notice.pk).update(created_at=now or timezone.now())
    if closes_incident:
        Ticket.objects.filter(pk=ticket.pk).update(cloud_status=Ticket.CloudStatus.CLOSED,
                                                   updated_at=timezone.now())
    return notice


# --- The ticket page's one *Update* ----------------------------------------------------

class _Keep:
    """A field left as it is (the assignee, where None means "unassigned")."""


KEEP = _Keep()


@transaction.atomic
def apply_update(ticket: Ticket, *, user: User, body: str = "", internal: bool = False,
                 files: Iterable[UploadedFile] = (), status: str | None = None,
                 priority: str | None = None, category: str | None = None,
                 assignee: User | None | _Keep = KEEP, level: str | None = None,
                 reason: str = "", cloud_partner: str | None = None,
                 incident_number: str = "", findings: str = "", cloud_notice: str = "",
                 closes_incident: bool = False, followers: Iterable[User] | None = None,
                 external: tuple[str, str] | None = None, now: datetime | None = None,
                 ) -> Comment | Ticket:
    """Everything one *Update* of the ticket page asks for, applied together or not at all:
    the reply or internal note, the fields, the level, the cloud partner and the status,
    each by its own action above (so each keeps its rules, its history, its e-mails and its
    webhook). A field given as None (the assignee as KEEP) or equal to the ticket's is left
    as it is. A public reply by partner staff to an unassigned ticket assigns it to them,
    unless the same *Update* names someone. `followers` (partner staff): exactly who
    follows the ticket; `external`: (system, reference) in another service desk.
    Returns the reply, or the ticket."""
    now, files = now or timezone.now(), list(files)
    ticket = Ticket.objects.select_for_update(of=("self",)).select_related(
        "customer", "assignee").get(pk=ticket.pk)
    if isinstance(assignee, _Keep) or (assignee is None and ticket.assignee_id is None):
        assignee = KEEP
    edits_fields = (priority not in (None, ticket.priority)
                    or category not in (None, ticket.category)
                    or not isinstance(assignee, _Keep))
    if edits_fields and user.role not in PARTNER_STAFF_ROLES:
        raise ValidationError(_("Only partner staff change the priority, category or "
                                "assignee."))
    level = level if level not in (None, "", ticket.escalation_level) else None
    if (reason or "").strip() and level is None:
        raise ValidationError({"reason": _(
            "Choose the level the ticket goes to, or leave the reason empty.")})
    status = status if status not in (None, "", ticket.status) else None
    changes_cloud = bool((cloud_notice or "").strip() or closes_incident) or (
        bool(cloud_partner) and ticket.cloud_status not in (Ticket.CloudStatus.OPEN,
                                                            Ticket.CloudStatus.CLOSED)
        and (cloud_partner != ticket.cloud_partner or bool((incident_number or "").strip())
             or (findings or "").strip() != ticket.cloud_findings))
    if (cloud_partner or changes_cloud) and not is_staff(user):
        raise ValidationError(_("Customer users cannot record cloud-partner incidents."))
    replies = bool((body or "").strip())
    if external is not None and external == (ticket.external_system,
                                             ticket.external_reference):
        external = None
    if not (replies or files or edits_fields or level or status or changes_cloud
            or followers is not None or external is not None):
        raise ValidationError(_("Nothing to update: write a reply or change a field."))

    if followers is not None:
        set_followers(ticket, user=user, followers=followers)
    if external is not None:
        # Before the other changes, so that their webhooks carry the new reference.
        ticket = set_external_reference(ticket, user=user, system=external[0],
                                        reference=external[1])
        if not (edits_fields or status or (replies and not internal)):
            webhooks.emit(Event.TICKET_UPDATED, webhooks.ticket_payload(ticket))

    comment = None
    if replies or files:
        comment = add_comment(ticket, user=user, body=body, internal=internal, files=files,
                              now=now)
        if (not internal and user.role in PARTNER_STAFF_ROLES
                and not user.is_service_account
                and ticket.assignee_id is None and isinstance(assignee, _Keep)):
            assignee = user  # the first agent who answers takes the ticket
    if edits_fields or not isinstance(assignee, _Keep):
        ticket = update_ticket(
            ticket, user=user, priority=priority or ticket.priority,
            category=category or ticket.category,
            assignee=ticket.assignee if isinstance(assignee, _Keep) else assignee)
    # A reopened ticket may then be escalated; one being resolved is escalated first.
    reopens = status is not None and status in Ticket.OPEN_STATUSES and not ticket.is_open
    if reopens:
        ticket = change_status(ticket, str(status), user=user, now=now)
    if level:
        escalate(ticket, user=user, to_level=level, reason=reason, now=now)
        ticket.escalation_level = level
    if changes_cloud:
        if (cloud_notice or "").strip() or closes_incident:
            add_cloud_notice(ticket, user=user, body=cloud_notice,
                             closes_incident=closes_incident, now=now)
        elif (incident_number or "").strip():
            ticket = open_cloud_incident(ticket, user=user, cloud_partner=str(cloud_partner),
                                         incident_number=incident_number, findings=findings)
        else:
            ticket = refer_to_cloud_partner(ticket, user=user,
                                            cloud_partner=str(cloud_partner),
                                            findings=findings, now=now)
    if status is not None and not reopens:
        ticket = change_status(ticket, status, user=user, now=now)
    return comment or ticket


@transaction.atomic
def bulk_update(tickets: Iterable[Ticket], *, user: User, status: str | None = None,
                priority: str | None = None, assignee: User | None | _Keep = KEEP,
                now: datetime | None = None) -> int:
    """The same change to several tickets, each by `apply_update` (its rules, history and
    e-mails): all of them or, when one refuses, none. Returns how many changed."""
    if user.role not in PARTNER_STAFF_ROLES:
        raise ValidationError(_("Only partner staff change several tickets at once."))
    errors, changed = [], 0
    # In one order, so two bulk changes of the same tickets wait rather than deadlock.
    for ticket in sorted(tickets, key=lambda ticket: ticket.pk):
        wanted = {"status": status if status != ticket.status else None,
                  "priority": priority if priority != ticket.priority else None,
                  "assignee": assignee if assignee is KEEP or (
                      getattr(assignee, "pk", None) != ticket.assignee_id) else KEEP}
        if not (wanted["status"] or wanted["priority"] or wanted["assignee"] is not KEEP):
            continue
        try:
            apply_update(ticket, user=user, now=now, **wanted)  # type: ignore[arg-type]
        except ValidationError as error:
            errors.append(f"{ticket.reference}: {' '.join(error.messages)}")
        else:
            changed += 1
    if errors:
        raise ValidationError(errors)
    return changed


def assignable_staff() -> list[User]:
    """Whom a ticket may be assigned to: the partner's active staff (the ticket list's bulk
    form reads them on every page: compiled once per thread)."""
    return PreparedRows("assignable-staff", User, lambda: User.objects.filter(
        role__in=PARTNER_STAFF_ROLES, is_active=True).order_by("first_name", "email")).all()


# --- The customer's panel of a ticket page ---------------------------------------------

# The panel's answers in one statement, written out: built by the ORM, its subqueries cost
# the page more to compile than the database takes to answer them. The rules are the ORM's
# (tests compare): the contract active and in force today, the lines of such contracts, the
# other open tickets most urgent first (the order of `next_due_expression`, which the
# queue's index holds, so that a large customer's first five are read in order); and the
# customer's authorisation letters, which letter_refusal reads.
_PANEL_SQL = """
SELECT
  (SELECT json_build_object('pk', c.id, 'end', c."end") FROM contracts_contract c
    WHERE c.customer_id = %(customer)s AND c.status = %(active)s
      AND c.start <= %(today)s AND c."end" >= %(today)s
    ORDER BY c.start DESC LIMIT 1),
  ARRAY(SELECT l.category FROM contracts_contractline l
          JOIN contracts_contract c ON c.id = l.contract_id
        WHERE c.customer_id = %(customer)s AND c.status = %(active)s
          AND c.start <= %(today)s AND c."end" >= %(today)s
        ORDER BY l.category),
  (SELECT count(*) FROM tickets_ticket t
    WHERE t.customer_id = %(customer)s AND t.status = ANY(%(open)s) AND t.id <> %(ticket)s),
  ARRAY(SELECT json_build_object('pk', t.id, 'subject', t.subject, 'priority', t.priority,
                                 'status', t.status)
        FROM tickets_ticket t
        WHERE t.customer_id = %(customer)s AND t.status = ANY(%(open)s) AND t.id <> %(ticket)s
        ORDER BY CASE WHEN NOT t.status = ANY(%(open)s) THEN NULL
                      WHEN t.first_response_at IS NULL THEN t.response_due_at
                      ELSE t.resolution_due_at END ASC NULLS LAST, t.created_at DESC
        LIMIT 5),
  ARRAY(SELECT json_build_object('signed_on', a.signed_on, 'expires_on', a.expires_on,
                                 'revoked_at', a.revoked_at)
        FROM contracts_authorisationletter a WHERE a.customer_id = %(customer)s)
"""


def customer_panel(ticket: Ticket, now: datetime | None = None) -> dict[str, Any]:
    """What a ticket page tells staff of its customer, in one query: the active contract
    and the categories it covers, whether the ticket's device is covered, the customer's
    other open tickets (the most urgent first), and its authorisation letters.

    The ticket's device, not the whole installed base: counting a large customer's covered
    devices would cost the page more than the rest of it together."""
    customer = ticket.customer
    today = customer.today(now)
    with connection.cursor() as cursor:
        cursor.execute(_PANEL_SQL, {
            "customer": customer.pk, "ticket": ticket.pk, "today": today,
            "active": Contract.Status.ACTIVE.value,
            "open": [str(status) for status in Ticket.OPEN_STATUSES]})
        contract, categories, open_count, open_tickets, letters = cursor.fetchone()
    contract = contract or {}
    row: dict[str, Any] = {
        "contract_id": contract.get("pk"),
        "contract_end": date.fromisoformat(contract["end"]) if contract else None,
        "open_count": open_count,
        # What letter_refusal reads: the page asks whether an incident may be opened.
        "letters": [AuthorisationLetter(
            customer=customer, signed_on=date.fromisoformat(letter["signed_on"]),
            expires_on=date.fromisoformat(letter["expires_on"]),
            revoked_at=letter["revoked_at"] and datetime.fromisoformat(letter["revoked_at"]))
            for letter in letters],
    }
    if ticket.device is not None:
        row["device_coverage"] = (
            coverage(ticket.device.product_model, categories, today)
            if contract else Coverage(covered=False, reasons=(Reason.NO_ACTIVE_CONTRACT,)))
    labels = dict(Category.choices)
    row["categories"] = [labels.get(category, category) for category in categories]
    statuses = dict(Ticket.Status.choices)
    row["open_tickets"] = [{**other, "reference": f"T-{other['pk']:06d}",
                            "status_label": statuses.get(other["status"], other["status"])}
                           for other in open_tickets]
    return row


# What a ticket page reads beside the ticket, in one statement: read one by one through the
# ORM, building the queries cost the page more than the database took to answer them. The
# replacements are read before their devices: joined before the limit, the planner reads a
# large installed base to keep 25 rows.
_TICKET_PAGE_SQL = """
SELECT
  (SELECT count(*) FROM tickets_ticket_watchers w WHERE w.ticket_id = %(ticket)s),
  EXISTS(SELECT 1 FROM tickets_ticket_watchers w
         WHERE w.ticket_id = %(ticket)s AND w.user_id = %(watcher)s),
  ARRAY(SELECT json_build_object('id', u.id, 'first_name', u.first_name,
                                 'last_name', u.last_name, 'email', u.email)
        FROM users_user u
        WHERE u.id IN (SELECT %(opened_by)s::bigint UNION SELECT %(assignee)s::bigint
                       UNION SELECT unnest(ARRAY[h.opened_by_id, h.assignee_id])
                       FROM tickets_historicalticket h
                       WHERE %(staff)s AND h.id = %(ticket)s)),
  ARRAY(SELECT json_build_object('id', u.id, 'first_name', u.first_name,
                                 'last_name', u.last_name, 'email', u.email)
        FROM users_user u
        WHERE %(assignees)s AND u.role = ANY(%(staff_roles)s) AND u.is_active
          AND NOT u.is_service_account
        ORDER BY u.first_name, u.email),
  ARRAY(SELECT json_build_object('started_at', p.started_at, 'ended_at', p.ended_at)
        FROM tickets_pause p WHERE p.ticket_id = %(ticket)s ORDER BY p.started_at, p.id),
  ARRAY(SELECT row_to_json(e) FROM tickets_escalation e
        WHERE %(staff)s AND e.ticket_id = %(ticket)s ORDER BY e.created_at, e.id),
  ARRAY(SELECT json_build_object(
                 'id', c.id, 'author_name', c.author_name, 'from_vendor', c.from_vendor,
                 'body', c.body, 'internal', c.internal, 'created_at', c.created_at,
                 'files', ARRAY(SELECT json_build_object('id', a.id, 'filename', a.filename,
                                                         'size', a.size)
                                FROM tickets_attachment a WHERE a.comment_id = c.id
                                ORDER BY a.id))
        FROM tickets_comment c
        WHERE c.ticket_id = %(ticket)s AND (%(staff)s OR NOT c.internal)
        ORDER BY c.created_at, c.id),
  ARRAY(SELECT json_build_object(
                 'record', row_to_json(h),
                 'user', (SELECT json_build_object('id', u.id, 'email', u.email,
                                                   'first_name', u.first_name,
                                                   'is_service_account', u.is_service_account)
                          FROM users_user u WHERE u.id = h.history_user_id))
        FROM tickets_historicalticket h
        WHERE %(staff)s AND h.id = %(ticket)s ORDER BY h.history_date, h.history_id),
  ARRAY(SELECT json_build_object('pk', r.id, 'ticket_id', r.ticket_id, 'status', r.status,
                                 'requested_at', r.requested_at, 'serial', d.serial)
        FROM (SELECT id, ticket_id, device_id, status, requested_at FROM tickets_rma
              WHERE customer_id = %(customer)s
              ORDER BY CASE WHEN ticket_id = %(ticket)s THEN 0 ELSE 1 END, requested_at DESC,
                       id DESC
              LIMIT %(limit)s) r
        JOIN inventory_device d ON d.id = r.device_id
        ORDER BY CASE WHEN r.ticket_id = %(ticket)s THEN 0 ELSE 1 END, r.requested_at DESC,
                 r.id DESC),
  ARRAY(SELECT row_to_json(n) FROM tickets_cloudnotice n
        WHERE %(cloud)s AND n.ticket_id = %(ticket)s ORDER BY n.created_at, n.id)
"""


@dataclass
class TicketPageRows:
    watcher_count: int
    watching: bool
    assignees: list[User] | None  # as assignable_staff(), when asked for
    pauses: list[tuple[datetime, datetime | None]]
    escalations: list[Escalation]  # staff only
    comments: list[Comment]  # each with its `files`
    history: list[Any]  # the ticket's historical records, for staff
    # Who the ticket names, now and in its history (opened by, assigned to), by id.
    people: dict[int, User]
    own_rmas: list[dict[str, Any]]
    recent_rmas: list[dict[str, Any]]
    cloud_notices: list[CloudNotice]  # when the ticket has a cloud partner


def _instant(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _loaded(model: Any, row: dict[str, Any]) -> Any:
    """An instance of `model` read with the fields of `row` (by attribute name), the others
    read if asked for (`from_db` takes the values in the model's order of fields)."""
    names = [field.attname for field in model._meta.concrete_fields if field.attname in row]
    return model.from_db(connection.alias, names, [row[name] for name in names])


def _comment(row: dict[str, Any]) -> Comment:
    """A message of the thread as the page shows it; its other fields are read if asked."""
    files = row.pop("files")
    row["created_at"] = _instant(row["created_at"])
    comment = _loaded(Comment, row)
    # The page's list, not a field of the model.
    comment.files = [_loaded(Attachment, file) for file in files]
    return comment


def _from_json(field: Any, value: Any) -> Any:
    """A field's value from a JSON row: instants and dates are text there (read as
    `fromisoformat` reads them, quicker than the fields' own parsing); the rest as the field
    reads it."""
    if value is None:
        return None
    if isinstance(field, DateTimeField):
        return datetime.fromisoformat(value)
    if isinstance(field, DateField):
        return date.fromisoformat(value)
    return field.to_python(value)


def _historical(record: dict[str, Any], user: dict[str, Any] | None) -> Any:
    """A historical record of the ticket from its row, with who made the change."""
    history = historical_model(Ticket)
    fields = history._meta.concrete_fields
    historical = history.from_db(
        connection.alias, [field.attname for field in fields],
        [_from_json(field, record[field.column]) for field in fields])
    historical.history_user = _loaded(User, user) if user else None
    return historical


def ticket_page_rows(ticket: Ticket, *, staff: bool, watcher: User | None = None,
                     assignees: bool = False, recent: int = 5) -> TicketPageRows:
    """What a ticket page shows beside the ticket, in one query: how many follow it and
    whether `watcher` does, who opened it and who it is assigned to (their names, set on
    `ticket`), whom it may be assigned to (`assignees`: for the sidebar's choice, as
    assignable_staff), the pauses of its clock, its escalation steps and change history
    (for staff), its messages with their attachments (internal notes for staff only, as
    visible_comments), its replacements and the customer's latest `recent`, and the status
    notices of its cloud partner when it has one. The ticket's own replacements come
    first, so the limit only ever cuts the customer's older ones; each as the page shows
    it: {pk, reference, serial, status_label}. Its history's people are read with its
    own, for the names of its changes (ticket_history's `people`)."""
    with connection.cursor() as cursor:
        cursor.execute(_TICKET_PAGE_SQL, {
            "ticket": ticket.pk, "customer": ticket.customer_id, "staff": staff,
            "watcher": watcher.pk if watcher is not None else None,
            "opened_by": ticket.opened_by_id, "assignee": ticket.assignee_id,
            "assignees": assignees, "staff_roles": [str(role) for role in PARTNER_STAFF_ROLES],
            "limit": RMAS_READ, "cloud": bool(ticket.cloud_partner)})
        (watcher_count, watching, people, staff_users, pauses, escalations, comments, history,
         rmas, notices) = cursor.fetchone()
    # The names the page shows; any other field of theirs would be read when asked for.
    people = {person["id"]: _loaded(User, person) for person in people}
    ticket.opened_by = people.get(ticket.opened_by_id)
    ticket.assignee = people.get(ticket.assignee_id)
    labels = dict(Rma.Status.choices)
    rmas = [{"pk": rma["pk"], "reference": f"RMA-{rma['pk']:06d}", "serial": rma["serial"],
             "status_label": labels.get(rma["status"], rma["status"]),
             "ticket_id": rma["ticket_id"], "requested_at": _instant(rma["requested_at"])}
            for rma in rmas]
    return TicketPageRows(
        watcher_count=watcher_count, watching=watching,
        assignees=[_loaded(User, person) for person in staff_users] if assignees else None,
        pauses=[(datetime.fromisoformat(pause["started_at"]), _instant(pause["ended_at"]))
                for pause in pauses],
        escalations=[Escalation(**{**step, "created_at": _instant(step["created_at"])})
                     for step in escalations],
        comments=[_comment(row) for row in comments],
        history=[_historical(row["record"], row["user"]) for row in history],
        people=people,
        own_rmas=[rma for rma in rmas if rma["ticket_id"] == ticket.pk],
        recent_rmas=sorted(rmas, key=lambda rma: (rma["requested_at"], rma["pk"]),
                           reverse=True)[:recent],
        cloud_notices=[_loaded(CloudNotice, {**notice, "created_at": _instant(
            notice["created_at"])}) for notice in notices])


# A ticket's replacements, with room for the customer's latest.
RMAS_READ = 25


# --- Dashboards -------------------------------------------------------------------------

def dashboard(user: User, now: datetime | None = None, size: int = 8) -> dict[str, Any]:
    """The tickets a role's dashboard shows: mine that are open, and those breaching soon.

    Of what the user may see, "mine" is what is assigned to partner staff, or the
    customer's own open tickets for a customer user. Those breaching soon are partner
    staff's (None for a customer user, whose dashboard does not show them). Every
    dashboard reads them: through SQL compiled once per thread (portal/prepared.py).
    """
    now = now or timezone.now()
    staff = user.role != Role.CUSTOMER_USER
    instant = Ticket._meta.get_field("created_at")
    at = {"now": now, "soon": now + timedelta(minutes=settings.TICKET_SLA_WARNING_MINUTES)}

    def open_tickets(visible: Q) -> TicketQuerySet:
        return Ticket.objects.filter(visible).open()

    def shown(visible: Q) -> TicketQuerySet:
        # What the dashboards' rows show (tickets/templatetags/ticket_rows.py).
        return open_tickets(visible).select_related("customer").only(
            "subject", "priority", "resolution_due_at", "customer__site_id")

    mine = visible_prepared(
        user, f"dashboard-mine:{staff}:{size}", Ticket, lambda visible, me: (
            shown(visible).filter(assignee=me) if staff else shown(visible))
        .order_by("resolution_due_at", "-created_at")[:size],
        {"me": Ticket._meta.get_field("assignee")}, {"me": user.pk})
    # The three figures in one pass over the open tickets rather than one query each.
    counts = visible_prepared(
        user, "dashboard-counts", Ticket, lambda visible, now: totals(
            open_tickets(visible), open_count=Count("pk"),
            breached_count=Count("pk", filter=breached_q(now, hashed=True)),
            unassigned_count=Count("pk", filter=Q(assignee__isnull=True))),
        {"now": instant}, {"now": now})
    soon = visible_prepared(
        user, f"dashboard-soon:{size}", Ticket, lambda visible, now, soon: shown(visible)
        .filter(breaching_soon_q(now, soon)).order_by("resolution_due_at")[:size],
        {"now": instant, "soon": instant}, at) if staff else None
    figures = (counts.first() if counts else None) or dict.fromkeys(
        ("open_count", "breached_count", "unassigned_count"), 0)
    return {
        "my_open_tickets": mine.all() if mine else [],
        "breaching_soon": (soon.all() if soon else []) if staff else None,
        "open_count": figures["open_count"],
        "breached_count": figures["breached_count"],
        "unassigned_count": figures["unassigned_count"] if staff else None,
    }


# --- Joint calls with the cloud partner ----------------------------------------------------

JOINT_CALL_STATUSES = (Ticket.CloudStatus.OPEN, Ticket.CloudStatus.CLOSED)


def record_joint_call(ticket: Ticket, *, user: User, requested_at: datetime,
                      scheduled_for: datetime | None, participants: str,
                      outcome: str = "") -> JointCall:
    """A joint call asked of the cloud partner about the incident opened on the ticket."""
    if ticket.cloud_status not in JOINT_CALL_STATUSES:
        raise ValidationError(_("No incident is open with a cloud partner."))
    if not (participants or "").strip():
        raise ValidationError({"participants": _("Say who takes part in the call.")})
    if scheduled_for is not None and scheduled_for < requested_at:
        raise ValidationError({"scheduled_for": _(
            "The call cannot be scheduled before it was requested.")})
    return JointCall.objects.create(
        ticket=ticket, requested_at=requested_at, scheduled_for=scheduled_for,
        participants=participants.strip(), outcome=(outcome or "").strip(),
        recorded_by=user.display_name)


def record_joint_call_outcome(call: JointCall, *, outcome: str) -> JointCall:
    if not (outcome or "").strip():
        raise ValidationError({"outcome": _("Say what came of the call.")})
    call.outcome = outcome.strip()
    call.save(update_fields=["outcome"])
    return call
