"""The console's index: one row per escalated ticket, replacement, monthly report, true-up
quote and assigned customer of every partner, in the public schema.

The console's queues and counts read these tables instead of every partner's schema, so a
page costs the same at 10 and at 1,000 partners. Each row is written in the transaction of
the partner's change that moves it (see services.py); the partner's schema stays the
source of truth and `manage.py rebuild_console_index` writes the index again from it.

Only what the vendor's staff see in the queues is copied: no descriptions, comments,
notes or files. A row is named by its partner's schema and the object's id there.
"""

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django_countries.fields import CountryField

# The statuses of the console's default "open" queues, as the partners' apps define them
# (Ticket.OPEN_STATUSES, Rma.OPEN_STATUSES; a test keeps them equal): each queue's index
# holds only its open rows, in the queue's order, so a page reads its rows and stops.
OPEN_TICKET_STATUSES = ("new", "in_progress", "waiting")
OPEN_RMA_STATUSES = ("requested", "approved", "shipped", "delivered", "received")


class IndexedRow(models.Model):
    partner = models.ForeignKey("tenants.Partner", to_field="schema_name",
                                db_column="schema_name", on_delete=models.CASCADE,
                                related_name="+")
    object_id = models.PositiveBigIntegerField()
    customer_id = models.PositiveBigIntegerField()
    customer_name = models.CharField(max_length=200)
    site_id = models.CharField(max_length=40)
    # When what the row shows last changed, for the console API's syncs (updated_since,
    # ordering=updated_at): set by each write that changes the row, in the writer's
    # transaction; the rebuild takes the source rows' own times (see services.sync).
    updated_at = models.DateTimeField(default=timezone.now)

    # The columns a partner's SELECT gives, in its order, before a last one: the latest
    # updated_at of the source rows the row shows (see services.sync).
    SOURCE_COLUMNS: tuple[str, ...] = ()

    class Meta:
        abstract = True
        constraints = [models.UniqueConstraint(fields=["partner", "object_id"],
                                               name="%(class)s_one_row")]


class IndexedTicket(IndexedRow):
    """An escalated ticket (any level beyond the partner's). "Breached now" is worked out
    by the query from the due instants, never stored."""

    subject = models.CharField(max_length=200)
    priority = models.CharField(max_length=2)
    status = models.CharField(max_length=20)
    escalation_level = models.CharField(max_length=12)
    escalated_at = models.DateTimeField(null=True)
    first_response_at = models.DateTimeField(null=True)
    response_due_at = models.DateTimeField(null=True)
    resolution_due_at = models.DateTimeField(null=True)
    resolved_at = models.DateTimeField(null=True)
    cloud_partner = models.CharField(max_length=20)
    cloud_incident_number = models.CharField(max_length=80)
    breach_recorded = models.BooleanField(default=False)

    SOURCE_COLUMNS = (
        "object_id", "customer_id", "customer_name", "site_id", "subject", "priority",
        "status", "escalation_level", "escalated_at", "first_response_at", "response_due_at",
        "resolution_due_at", "resolved_at", "cloud_partner", "cloud_incident_number",
        "breach_recorded")

    class Meta(IndexedRow.Meta):
        indexes = [models.Index(fields=["status", "-escalated_at"],
                                name="consoleindex_ticket_queue"),
                   models.Index(F("escalated_at").desc(nulls_last=True), F("partner_id"),
                                F("object_id").desc(), name="consoleindex_ticket_open",
                                condition=Q(status__in=OPEN_TICKET_STATUSES)),
                   models.Index(fields=["updated_at", "id"],
                                name="consoleindex_ticket_updated")]

    def __str__(self):
        return f"{self.partner_id} T-{self.object_id:06d}"


class IndexedRma(IndexedRow):
    """A replacement, with its device's serial number and product model."""

    status = models.CharField(max_length=12)
    category = models.CharField(max_length=20)
    requested_at = models.DateTimeField()
    promised_ship_date = models.DateField()
    shipped_at = models.DateTimeField(null=True)
    chargeable = models.BooleanField(default=False)
    serial = models.CharField(max_length=64)
    # Whether it is late is read in the ship-to's local date and business days (its
    # customer's time zone, the RMA's ship-to country), by the query: never stored.
    ship_to_country = models.CharField(max_length=2, default="")
    time_zone = models.CharField(max_length=64, default="UTC")
    # The catalogue is public: the model's current name is read by a join.
    product_model = models.ForeignKey("catalogue.ProductModel", on_delete=models.DO_NOTHING,
                                      db_constraint=False, related_name="+")

    SOURCE_COLUMNS = (
        "object_id", "customer_id", "customer_name", "site_id", "status", "category",
        "requested_at", "promised_ship_date", "shipped_at", "chargeable", "serial",
        "product_model_id", "ship_to_country", "time_zone")

    class Meta(IndexedRow.Meta):
        indexes = [models.Index(fields=["status", "promised_ship_date"],
                                name="consoleindex_rma_queue"),
                   models.Index(fields=["promised_ship_date", "requested_at", "partner",
                                        "object_id"], name="consoleindex_rma_open",
                                condition=Q(status__in=OPEN_RMA_STATUSES))]

    def __str__(self):
        return f"{self.partner_id} RMA-{self.object_id:06d}"


class IndexedReport(IndexedRow):
    """A monthly report; a CSM's queue is the reports of their assigned customers."""

    month = models.DateField()
    status = models.CharField(max_length=12)
    generated_at = models.DateTimeField(null=True)
    published_at = models.DateTimeField(null=True)
    # The report's figures a CSM's *My customers* shows: baseline versus actual per
    # category (as stored: category, ordered, baseline, actual, ...) and the true-up; and
    # whether a quote of it waits for the partner's purchase order.
    categories = models.JSONField(default=list)
    true_up_due = models.BooleanField(default=False)
    quote_awaiting_po = models.BooleanField(default=False)
    # The CSM the row's customer is assigned to, kept by triggers in the writer's
    # transaction (migration 0009): a CSM's queues read their own rows in order.
    csm = models.ForeignKey("users.User", null=True, on_delete=models.DO_NOTHING,
                            db_constraint=False, related_name="+")

    SOURCE_COLUMNS = ("object_id", "customer_id", "customer_name", "site_id", "month",
                      "status", "generated_at", "published_at", "categories", "true_up_due",
                      "quote_awaiting_po")

    class Meta(IndexedRow.Meta):
        indexes = [models.Index(fields=["partner", "customer_id"],
                                name="consoleindex_report_customer"),
                   # A CSM's reports, in their list's order (crossschema.csm_reports).
                   models.Index(fields=["csm", "-month", "status", "customer_name", "partner",
                                        "object_id"], name="consoleindex_report_csm"),
                   models.Index(fields=["updated_at", "id"],
                                name="consoleindex_report_updated")]

    def __str__(self):
        return f"{self.partner_id} {self.site_id} {self.month:%Y-%m}"


class IndexedQuote(IndexedRow):
    """A true-up quote issued, accepted or declined (a superseded one leaves the index):
    the console's list of quotes across partners."""

    report_id = models.PositiveBigIntegerField()
    status = models.CharField(max_length=12)
    currency = models.CharField(max_length=3)
    amount = models.DecimalField(max_digits=12, decimal_places=2)  # the quote's total
    adjustment_month = models.DateField()
    issued_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True)
    # The CSM the row's customer is assigned to, kept by triggers in the writer's
    # transaction (migration 0009): a CSM's queues read their own rows in order.
    csm = models.ForeignKey("users.User", null=True, on_delete=models.DO_NOTHING,
                            db_constraint=False, related_name="+")

    SOURCE_COLUMNS = ("object_id", "customer_id", "customer_name", "site_id", "report_id",
                      "status", "currency", "amount", "adjustment_month", "issued_at",
                      "decided_at")

    class Meta(IndexedRow.Meta):
        indexes = [models.Index(fields=["status", "-issued_at"],
                                name="consoleindex_quote_queue"),
                   models.Index(fields=["-issued_at"], name="consoleindex_quote_issued"),
                   models.Index(fields=["csm", "-issued_at"], name="consoleindex_quote_csm")]

    def __str__(self):
        return f"{self.partner_id} Q-{self.object_id:06d}"


class IndexedCustomer(IndexedRow):
    """A customer assigned to a CSM (object_id and customer_id are both its id)."""

    city = models.CharField(max_length=100, blank=True)
    country = CountryField()
    time_zone = models.CharField(max_length=64)
    language = models.CharField(max_length=5)
    # The CSM the row's customer is assigned to, kept by triggers in the writer's
    # transaction (migration 0009): a CSM's queues read their own rows in order.
    csm = models.ForeignKey("users.User", null=True, on_delete=models.DO_NOTHING,
                            db_constraint=False, related_name="+")
    # The figures of the customer's latest report (IndexedReport's month, categories and
    # true_up_due; all null without a report), kept by triggers in the writer's
    # transaction (migration 0010): *My customers* reads one row per customer.
    latest_month = models.DateField(null=True)
    latest_categories = models.JSONField(null=True)
    latest_true_up_due = models.BooleanField(null=True)
    # The partner's name, kept by triggers (migration 0011): a CSM's customers are listed
    # by partner, read from the index in that order.
    partner_name = models.CharField(max_length=120, default="")

    SOURCE_COLUMNS = ("object_id", "customer_id", "customer_name", "site_id", "city",
                      "country", "time_zone", "language")

    class Meta(IndexedRow.Meta):
        indexes = [models.Index(fields=["updated_at", "id"],
                                name="consoleindex_customer_updated"),
                   # A CSM's customers, in their list's order (crossschema).
                   models.Index(fields=["csm", "partner_name", "partner", "customer_name",
                                        "object_id"], name="consoleindex_customer_csm")]

    def __str__(self):
        return f"{self.partner_id} {self.site_id}"


class OpenCount(models.Model):
    """How many open rows a partner has in a queue of the index (`queue` is the indexed
    model's table): the console's counts add these up, one row per partner, instead of
    counting every open row. A trigger on each queue's table keeps it in step with every
    insert, update and delete, in the writer's transaction (migration 0003)."""

    partner = models.ForeignKey("tenants.Partner", to_field="schema_name",
                                db_column="schema_name", on_delete=models.CASCADE,
                                related_name="+")
    queue = models.CharField(max_length=63)
    open_rows = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["partner", "queue"],
                                               name="consoleindex_opencount_one_row")]

    def __str__(self):
        return f"{self.partner_id} {self.queue}: {self.open_rows}"


# The statuses /metrics reports a partner's report runs in (a run has no status column:
# the rule is consoleindex_report_run_status(), migration 0008).
REPORT_RUN_STATUSES = ("running", "finished", "finished_with_failures")


class StatusCount(models.Model):
    """How many of a partner's rows of a table (`table_name`: its Lens imports or report
    runs) are in a status: /metrics adds these up, one query whatever the number of
    partners, instead of counting in every partner's schema. A trigger on each table of
    every partner's schema keeps it in step with every insert, update, delete and
    truncate, in the writer's transaction (migrations inventory 0012 and reporting 0005,
    their functions in migration 0008)."""

    partner = models.ForeignKey("tenants.Partner", to_field="schema_name",
                                db_column="schema_name", on_delete=models.CASCADE,
                                related_name="+")
    table_name = models.CharField(max_length=63)
    status = models.CharField(max_length=30)
    rows = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["partner", "table_name", "status"],
                                               name="consoleindex_statuscount_one_row")]

    def __str__(self):
        return f"{self.partner_id} {self.table_name} {self.status}: {self.rows}"
