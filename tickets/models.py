from __future__ import annotations

import uuid
from datetime import datetime
from functools import reduce
from operator import or_
from pathlib import PurePath

from django.conf import settings
from django.db import connection, models
from django.db.models import Case, DateTimeField, Exists, F, OuterRef, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from portal.users.history import local_history_user


def breached_q(now: datetime | None = None, *, hashed: bool = False) -> Q:
    """Tickets that missed a target, recorded or not yet recorded.

    `hashed`: for a count over many tickets, the recorded breaches are read once into a
    hash rather than looked up ticket by ticket (PostgreSQL cannot turn a look-up inside
    an aggregate's FILTER into a join)."""
    now = now or timezone.now()
    recorded = (Q(pk__in=Breach.objects.values("ticket_id")) if hashed
                else Q(Exists(Breach.objects.filter(ticket=OuterRef("pk")))))
    return (recorded
            | Q(first_response_at__isnull=True, response_due_at__lte=now)
            | Q(resolved_at__isnull=True, resolution_due_at__lte=now))


# Ticket.OPEN_STATUSES, for the index of Ticket's Meta, which cannot see the class's names.
OPEN_STATUS_VALUES = ("new", "in_progress", "waiting")


def next_due_expression() -> Case:
    """The instant the ticket's next target falls due (`Ticket.next_target`, in SQL): the
    response until the first answer, then the resolution; none once the ticket is resolved
    or closed, or while its clock is stopped (the due instant is then empty). The queue's
    order: an index holds it (`ticket_next_due_idx`), so its first page is read in order
    rather than every ticket sorted."""
    return Case(When(~Q(status__in=OPEN_STATUS_VALUES), then=Value(None)),
                When(first_response_at__isnull=True, then=F("response_due_at")),
                default=F("resolution_due_at"), output_field=DateTimeField())


def next_target(status: str, first_response_at: datetime | None,
                response_due_at: datetime | None,
                resolution_due_at: datetime | None) -> tuple[str, datetime] | None:
    """(target, due instant) of the target that comes next, as `next_due_expression` reads
    it: ("response", …) until the first answer, then ("resolution", …); None when the
    ticket is no longer open or its clock is stopped."""
    if status not in Ticket.OPEN_STATUSES:
        return None
    if first_response_at is None:
        return None if response_due_at is None else ("response", response_due_at)
    return None if resolution_due_at is None else ("resolution", resolution_due_at)


class TicketQuerySet(models.QuerySet["Ticket"]):
    def open(self) -> TicketQuerySet:
        return self.filter(status__in=Ticket.OPEN_STATUSES)

    def breached(self, now: datetime | None = None) -> TicketQuerySet:
        return self.filter(breached_q(now))

    def escalated(self) -> TicketQuerySet:
        """Tickets with vendor support or a specialist, whatever their status."""
        return self.exclude(escalation_level=Ticket.Level.PARTNER)


class Ticket(models.Model):
    class Category(models.TextChoices):
        TECHNICAL = "technical", _("Technical")
        SOFTWARE = "software", _("Software and firmware")
        CLOUD = "cloud", _("Cloud ecosystem")
        HARDWARE = "hardware", _("Hardware")
        ACCOUNT = "account", _("Account and billing")
        OTHER = "other", _("Other")

    class Priority(models.TextChoices):
        P1 = "P1", _("P1 — critical")
        P2 = "P2", _("P2 — high")
        P3 = "P3", _("P3 — medium")
        P4 = "P4", _("P4 — low")

    class Status(models.TextChoices):
        NEW = "new", _("New")
        IN_PROGRESS = "in_progress", _("In progress")
        WAITING = "waiting", _("Waiting on customer")
        RESOLVED = "resolved", _("Resolved")
        CLOSED = "closed", _("Closed")

    OPEN_STATUSES = (Status.NEW, Status.IN_PROGRESS, Status.WAITING)

    class Level(models.TextChoices):
        # In this order: a step to a later level is an escalation, to an earlier one a
        # hand-back.
        PARTNER = "partner", _("Partner support")
        VENDOR = "vendor", _("Vendor support")
        SPECIALIST = "specialist", _("Specialist")

    class CloudPartner(models.TextChoices):
        TEAMS = "teams", _("Microsoft Teams")
        ZOOM = "zoom", _("Zoom")
        MEET = "meet", _("Google Meet")
        WEBEX = "webex", _("Webex")
        RINGCENTRAL = "ringcentral", _("RingCentral")
        OTHER = "other", _("Other cloud partner")

    class CloudStatus(models.TextChoices):
        NONE = "", _("Not with a cloud partner")
        REFERRED = "referred", _("Customer referred to the cloud partner")
        OPEN = "open", _("Incident open with the cloud partner")
        CLOSED = "closed", _("Cloud partner incident closed")

    customer = models.ForeignKey("contracts.Customer", on_delete=models.PROTECT,
                                 related_name="tickets", verbose_name=_("customer"))
    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("description"))
    category = models.CharField(_("category"), max_length=20, choices=Category.choices,
                                default=Category.TECHNICAL)
    priority = models.CharField(_("priority"), max_length=2, choices=Priority.choices,
                                default=Priority.P3)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices,
                              default=Status.NEW)
    device = models.ForeignKey("inventory.Device", on_delete=models.SET_NULL, null=True,
                               blank=True, related_name="tickets", verbose_name=_("device"))
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                  null=True, related_name="+", verbose_name=_("opened by"))
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                 null=True, blank=True, related_name="assigned_tickets",
                                 verbose_name=_("assignee"))
    watchers = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True,
                                      related_name="watched_tickets",
                                      verbose_name=_("watchers"))
    created_at = models.DateTimeField(_("opened"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    # SLA (tickets.sla): due instants are recomputed on every change that moves them;
    # a due instant is empty while the clock is stopped.
    first_response_at = models.DateTimeField(_("first response"), null=True, blank=True)
    response_due_at = models.DateTimeField(_("response due"), null=True, blank=True)
    resolution_due_at = models.DateTimeField(_("resolution due"), null=True, blank=True)

    escalation_level = models.CharField(_("escalation level"), max_length=12,
                                        choices=Level.choices, default=Level.PARTNER)
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)

    cloud_partner = models.CharField(_("cloud partner"), max_length=20, blank=True,
                                     choices=CloudPartner.choices)
    cloud_status = models.CharField(_("cloud partner status"), max_length=10, blank=True,
                                    choices=CloudStatus.choices, default=CloudStatus.NONE)
    cloud_incident_number = models.CharField(_("cloud partner incident number"),
                                             max_length=80, blank=True)
    cloud_findings = models.TextField(_("findings"), blank=True)

    # The same ticket in another service desk (the partner's PSA, the customer's own tool):
    # set through the API by the system that syncs it, echoed in webhooks.
    external_system = models.CharField(_("external system"), max_length=40, blank=True)
    external_reference = models.CharField(_("external reference"), max_length=100,
                                          blank=True)

    history = HistoricalRecords(excluded_fields=["updated_at"], get_user=local_history_user)

    objects = TicketQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        indexes = [models.Index(fields=["customer", "status"]),
                   models.Index(fields=["escalation_level", "status"]),
                   # The list's first page reads the newest 50, not every ticket sorted.
                   models.Index(fields=["created_at"], name="ticket_created_idx"),
                   models.Index(next_due_expression(), F("id"), name="ticket_next_due_idx"),
                   # Partners' syncs: updated_since, ordering=updated_at.
                   models.Index(fields=["updated_at", "id"], name="ticket_updated_idx"),
                   # The staff dashboards' "breaching soon": open targets due within the
                   # warning window, read from these rather than every ticket.
                   models.Index(fields=["response_due_at"], name="ticket_response_due_idx",
                                condition=Q(status__in=OPEN_STATUS_VALUES,
                                            first_response_at__isnull=True)),
                   models.Index(fields=["resolution_due_at"], name="ticket_resolution_due_idx",
                                condition=Q(status__in=OPEN_STATUS_VALUES,
                                            resolved_at__isnull=True))]
        constraints = [models.UniqueConstraint(
            fields=["customer", "external_system", "external_reference"],
            condition=~Q(external_reference=""), name="one_ticket_per_external_reference")]

    def __str__(self) -> str:
        return f"{self.reference} {self.subject}"

    @property
    def reference(self) -> str:
        return f"T-{self.pk:06d}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def is_escalated(self) -> bool:
        return self.escalation_level != self.Level.PARTNER

    @property
    def next_target(self) -> tuple[str, datetime] | None:
        return next_target(self.status, self.first_response_at, self.response_due_at,
                           self.resolution_due_at)


class Comment(models.Model):
    """A public answer, or an internal note that customer users never see."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="comments")
    # Vendor staff are users of the public schema: no row here to point at, so their
    # name is kept instead.
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                               null=True, related_name="+", verbose_name=_("author"))
    author_name = models.CharField(_("author"), max_length=200, blank=True)
    from_vendor = models.BooleanField(_("from vendor support"), default=False)
    body = models.TextField(_("message"))
    internal = models.BooleanField(_("internal note"), default=False)
    created_at = models.DateTimeField(_("written"), auto_now_add=True)
    # A comment's text never changes, but files may be attached to it later.
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["created_at", "pk"]
        # Partners' syncs of a ticket's conversation: updated_since, ordering=updated_at.
        indexes = [models.Index(fields=["ticket", "updated_at", "id"],
                                name="comment_updated_idx")]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")

    def __str__(self) -> str:
        return f"{self.ticket.reference} · {self.created_at:%Y-%m-%d %H:%M}"


def attachment_path(instance: Attachment, filename: str) -> str:
    # Nothing guessable and nothing of the original name: files are served by a view
    # that checks who asks. (schema_name: django-tenants' connection, untyped.)
    return (f"ticket-attachments/{connection.schema_name}/"  # type: ignore[attr-defined]
            f"{uuid.uuid4().hex}{PurePath(filename).suffix.lower()}")


class Attachment(models.Model):
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=255)
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size"))
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.filename


class Pause(models.Model):
    """A stretch during which the SLA clock stood still (waiting on the customer, resolved)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="pauses")
    status = models.CharField(_("status"), max_length=20, choices=Ticket.Status.choices)
    started_at = models.DateTimeField(_("paused"))
    ended_at = models.DateTimeField(_("resumed"), null=True, blank=True)

    class Meta:
        ordering = ["started_at", "pk"]
        constraints = [models.UniqueConstraint(
            fields=["ticket"], condition=models.Q(ended_at__isnull=True),
            name="one_running_pause_per_ticket")]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.started_at:%Y-%m-%d %H:%M}"


class Breach(models.Model):
    """A missed SLA target, kept for the monthly report."""

    class Target(models.TextChoices):
        RESPONSE = "response", _("Response")
        RESOLUTION = "resolution", _("Resolution")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="breaches")
    target = models.CharField(_("target"), max_length=12, choices=Target.choices)
    priority = models.CharField(_("priority"), max_length=2, choices=Ticket.Priority.choices)
    due_at = models.DateTimeField(_("due"))
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        ordering = ["due_at"]
        verbose_name = _("SLA breach")
        verbose_name_plural = _("SLA breaches")
        constraints = [models.UniqueConstraint(fields=["ticket", "target"],
                                               name="one_breach_per_target")]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.target} {self.due_at:%Y-%m-%d %H:%M}"


class EscalationQuerySet(models.QuerySet["Escalation"]):
    def upward(self) -> EscalationQuerySet:
        """The steps that count as escalations (to a later level), not hand-backs."""
        order = list(Ticket.Level.values)
        return self.filter(reduce(or_, (Q(from_level=low, to_level=high)
                                        for index, low in enumerate(order)
                                        for high in order[index + 1:])))


class Escalation(models.Model):
    """One step up or down partner → vendor support → specialist: who, when, why."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="escalations")
    from_level = models.CharField(_("from"), max_length=12, choices=Ticket.Level.choices)
    to_level = models.CharField(_("to"), max_length=12, choices=Ticket.Level.choices)
    actor_name = models.CharField(_("by"), max_length=200)
    actor_email = models.EmailField(_("e-mail"), blank=True)
    from_vendor = models.BooleanField(default=False)
    reason = models.TextField(_("reason"))
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    objects = EscalationQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.from_level} → {self.to_level}"

    @property
    def is_escalation(self) -> bool:
        order = list(Ticket.Level.values)
        return order.index(self.to_level) > order.index(self.from_level)


class CloudNotice(models.Model):
    """A status notice received from the cloud partner about its incident."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="cloud_notices")
    body = models.TextField(_("notice"))
    author_name = models.CharField(_("recorded by"), max_length=200)
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.created_at:%Y-%m-%d %H:%M}"


class RmaQuerySet(models.QuerySet["Rma"]):
    def open(self) -> RmaQuerySet:
        return self.filter(status__in=Rma.OPEN_STATUSES)


class Rma(models.Model):
    """An advance hardware replacement (SPEC §8): a covered device of the customer, replaced
    before the defective unit comes back."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        APPROVED = "approved", _("Approved")
        SHIPPED = "shipped", _("Shipped")
        DELIVERED = "delivered", _("Delivered")
        RECEIVED = "received", _("Defective unit received")
        CLOSED = "closed", _("Closed")
        REJECTED = "rejected", _("Rejected")

    OPEN_STATUSES = (Status.REQUESTED, Status.APPROVED, Status.SHIPPED, Status.DELIVERED,
                     Status.RECEIVED)
    # The badge of each status ({% status_badge %}): waiting on someone, on its way, done
    # (no colour), refused.
    STATUS_TONES = {Status.REQUESTED: "provisioning", Status.APPROVED: "provisioning",
                    Status.SHIPPED: "active", Status.DELIVERED: "active",
                    Status.RECEIVED: "active", Status.CLOSED: "closed",
                    Status.REJECTED: "failed"}

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="rmas",
                               verbose_name=_("ticket"))
    customer = models.ForeignKey("contracts.Customer", on_delete=models.PROTECT,
                                 related_name="rmas", verbose_name=_("customer"))
    device = models.ForeignKey("inventory.Device", on_delete=models.PROTECT,
                               related_name="rmas", verbose_name=_("defective device"))
    # The model at the time of the request: headset counting and the price stay put.
    product_model = models.ForeignKey("catalogue.ProductModel", on_delete=models.PROTECT,
                                      related_name="+", verbose_name=_("product model"))
    category = models.CharField(_("category"), max_length=20)
    fault = models.TextField(_("fault"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices,
                              default=Status.REQUESTED)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                     null=True, related_name="+",
                                     verbose_name=_("requested by"))
    requested_at = models.DateTimeField(_("requested"))
    ship_to_country = models.CharField(_("ship-to country"), max_length=2)
    promised_ship_date = models.DateField(_("promised ship date"))
    # Headset threshold (SPEC §8), settled when the replacement is approved.
    chargeable = models.BooleanField(_("chargeable"), default=False)
    charge = models.DecimalField(_("charge"), max_digits=10, decimal_places=2, null=True,
                                 blank=True)
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    carrier = models.CharField(_("carrier"), max_length=80, blank=True)
    tracking_number = models.CharField(_("tracking number"), max_length=80, blank=True)
    shipped_at = models.DateTimeField(_("shipped"), null=True, blank=True)
    replacement = models.OneToOneField("inventory.Device", on_delete=models.PROTECT,
                                       null=True, blank=True, related_name="replaces",
                                       verbose_name=_("replacement device"))
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    received_at = models.DateTimeField(_("defective unit received"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    return_reminder_sent_at = models.DateTimeField(_("return reminder sent"), null=True,
                                                   blank=True)
    # Bumped by every change the API shows: partners sync by it (updated_since).
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = RmaQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = _("RMA")
        verbose_name_plural = _("RMAs")
        indexes = [models.Index(fields=["customer", "category", "status"]),
                   # The list's first page reads the newest 50, not every replacement sorted.
                   models.Index(fields=["requested_at", "id"], name="rma_requested_idx"),
                   models.Index(fields=["updated_at", "id"], name="rma_updated_idx")]
        constraints = [models.UniqueConstraint(
            fields=["device"], condition=~models.Q(status__in=["closed", "rejected"]),
            name="one_open_rma_per_device")]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        return f"RMA-{self.pk:06d}"


class RmaStep(models.Model):
    """Who moved an RMA to a status, when, and any note."""

    rma = models.ForeignKey(Rma, on_delete=models.CASCADE, related_name="steps")
    status = models.CharField(_("status"), max_length=12, choices=Rma.Status.choices)
    actor_name = models.CharField(_("by"), max_length=200)
    actor_email = models.EmailField(_("e-mail"), blank=True)
    from_vendor = models.BooleanField(default=False)
    note = models.TextField(_("note"), blank=True)
    at = models.DateTimeField(_("when"))

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.rma_id} {self.status}"


class JointCall(models.Model):
    """A call held with the cloud partner about its incident on the ticket: when it was
    asked for, when it is (or was) held, who takes part, and what came of it."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="joint_calls")
    requested_at = models.DateTimeField(_("requested"))
    scheduled_for = models.DateTimeField(_("scheduled for"), null=True, blank=True)
    participants = models.TextField(_("participants"))
    outcome = models.TextField(_("outcome"), blank=True)
    recorded_by = models.CharField(_("recorded by"), max_length=200)
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        ordering = ["requested_at", "pk"]
        verbose_name = _("joint call")
        verbose_name_plural = _("joint calls")

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.requested_at:%Y-%m-%d %H:%M}"
