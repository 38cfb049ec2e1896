"""The console's reads across partners: the only code that switches schema on purpose.

The queues and counts across partners (escalated tickets, replacements, a CSM's
customers and reports) read the console's index in the public schema
(portal/consoleindex), never every partner's schema: a page costs the same whatever the
number of partners. The detail of one object is read in its partner's schema.

A CSM sees the customers assigned to them and nothing else; every function here takes the
assignments as its starting point.
"""

from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache, reduce
from operator import or_

from django.contrib.postgres.aggregates import StringAgg
from django.db import DEFAULT_DB_ALIAS, connection, transaction
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    TextField,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django_countries.fields import Country
from django_tenants.utils import schema_exists

from contracts import services as contract_services
from contracts.models import Customer
from inventory.models import LensImport
from inventory.tasks import queue_import
from portal.catalogue.models import Category
from portal.consoleindex import services as console_index
from portal.consoleindex.models import (
    IndexedCustomer,
    IndexedQuote,
    IndexedReport,
    IndexedRma,
    IndexedTicket,
    OpenCount,
    StatusCount,
)
from portal.prepared import PreparedRows, totals
from portal.programme import whole_devices
from portal.tenants.models import Domain, Partner
from portal.tenants.references import parse_reference
from portal.tenants.schemas import (
    active_partner_named,
    partner_schema,
    public_schema,
)
from portal.users.models import Role
from reporting.audit import history_for_customer
from reporting.models import MonthlyReport, TrueUpQuote
from reporting.queries import index_quotes, index_reports
from tickets.models import Rma, Ticket, next_target
from tickets.queries import index_rmas, index_tickets
from tickets.rma.services import UNSHIPPED, Lateness, late_q, lateness

from .models import CsmAssignment


@dataclass
class CategoryFigures:
    label: str
    ordered: int
    baseline: int  # rounded up to a whole device (SPEC §5)
    actual: int

    @property
    def change(self):
        return self.actual - self.ordered


@dataclass
class LatestFigures:
    """Baseline versus actual of a customer's latest report, as the console's index holds
    it."""

    month: object
    categories: list[CategoryFigures]
    true_up_due: bool

    @classmethod
    def of(cls, month, categories, true_up_due):
        if month is None:
            return None
        labels = _category_labels(get_language())
        return cls(month, [CategoryFigures(
            labels.get(row.get("category"), row.get("category")), int(row.get("ordered") or 0),
            whole_devices(Decimal(str(row.get("baseline") or 0))), int(row.get("actual") or 0))
            for row in categories or []], bool(true_up_due))


@lru_cache(maxsize=8)
def _category_labels(language):
    """The categories' labels in `language` (the active one), translated once."""
    return {value: str(label) for value, label in Category.choices}


@dataclass(frozen=True)
class NamedPartner:
    """A partner as a CSM's list of customers shows it: its slug (its links) and name."""

    slug: str
    name: str


@dataclass
class AssignedCustomer:
    partner: Partner | NamedPartner
    customer: object
    csm: object = None
    latest: LatestFigures | None = None


def csm_of(partner, customer):
    """The CSM assigned to `customer` of `partner` (a public-schema user), or None."""
    if not isinstance(partner, Partner) or partner.is_vendor:
        return None
    with public_schema():
        assignment = (CsmAssignment.objects.select_related("csm")
                      .filter(partner=partner, customer_id=customer.pk).first())
        return assignment.csm if assignment else None


@dataclass
class CustomerSummary:
    """What the console's index holds of an assigned customer."""

    pk: int
    name: str
    site_id: str
    city: str
    country: object
    time_zone: str
    language: str
    updated_at: object = None


class Rows:
    """A queue's rows as a sequence read from the database page by page: len() counts
    them, a slice reads one page (the console API's lists). `queryset` gives the index's
    rows in the queue's order, `row` what the console makes of one of them; `paged`, if
    given, reads a page as `page` does, by a statement compiled once."""

    def __init__(self, queryset, row, paged=None):
        self.queryset, self.row, self.paged = queryset, row, paged

    def __len__(self):
        return self.queryset.count()

    def page(self, offset, limit, since=None):
        """(at most `limit` rows from `offset`, the number of all of them), in one query;
        only the rows changed at or after `since`, when given."""
        if self.paged is not None:
            return self.paged(offset, limit, since)
        rows = self.queryset if since is None else self.queryset.filter(
            updated_at__gte=since)
        found, total = _page(rows, rows.query.order_by, limit, offset)
        return [self.row(row) for row in found], total

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self.row(found) for found in self.queryset[index]]
        return self.row(self.queryset[index])

    def __iter__(self):
        return (self.row(found) for found in self.queryset)


# The order of the index of a CSM's customers: the partner's schema breaks ties of names.
CSM_CUSTOMER_ORDER = ("partner_name", "partner_id", "customer_name", "object_id")


def assigned_customers(csm):
    """Every customer assigned to `csm`, across partners, by partner, with the figures of
    its latest report, read from the console's index (see Rows)."""
    return Rows(_assigned_customer_rows(csm), lambda row: _assigned_customer(
        csm, **{name: getattr(row, name) for name in ASSIGNED_CUSTOMER_VALUES}),
        lambda offset, limit, since: assigned_customers_page(csm, limit, offset, since))


# What a CSM's lists show of a customer's row of the index.
ASSIGNED_CUSTOMER_VALUES = (
    "object_id", "customer_name", "site_id", "city", "country", "time_zone", "language",
    "updated_at", "latest_month", "latest_categories", "latest_true_up_due", "partner_name",
    "partner_slug")


def _assigned_customer_rows(csm):
    # The partner's slug alone is read from its row: its name is on the index's row.
    return (IndexedCustomer.objects.exclude(partner_id__in=_inactive_partners())
            .filter(_assigned_to(csm)).annotate(partner_slug=F("partner__slug"))
            .order_by(*CSM_CUSTOMER_ORDER))


def _assigned_customer(csm, *, object_id, customer_name, site_id, city, country, time_zone,
                       language, updated_at, latest_month, latest_categories,
                       latest_true_up_due, partner_name, partner_slug, total=None):
    """An AssignedCustomer of what ASSIGNED_CUSTOMER_VALUES reads of a row."""
    return AssignedCustomer(
        NamedPartner(partner_slug, partner_name), CustomerSummary(
            object_id, customer_name, site_id, city,
            country if isinstance(country, Country) else Country(country), time_zone,
            language, updated_at), csm,
        LatestFigures.of(latest_month, latest_categories, latest_true_up_due))


def assigned_customers_page(csm, limit, offset, since=None):
    """A page of `assigned_customers(csm)` (only those changed at or after `since`, when
    given) and the count of all of them, in one statement compiled once per thread for
    each page (the CSM's *My customers* and its list in the API), read as values."""
    params, values = _csm_params(csm, since, IndexedCustomer)

    def page(csm, since=None):
        rows = _assigned_customer_rows(csm)
        if since is not None:
            rows = rows.filter(updated_at__gte=since)
        return _paged(rows, CSM_CUSTOMER_ORDER, limit, offset).values(
            *ASSIGNED_CUSTOMER_VALUES, "total")

    found = PreparedRows(f"csm-customers:{since is not None}:{limit}:{offset}",
                         IndexedCustomer, page, params, values).all()
    return ([_assigned_customer(csm, **row) for row in found],
            found[0]["total"] if found else 0)


def _csm_params(csm, since, model):
    """The Params and values of a CSM's list of `model`'s rows: the CSM, and `since` when
    given."""
    params = {"csm": CsmAssignment._meta.get_field("csm")}
    values = {"csm": csm.pk}
    if since is not None:
        params["since"] = model._meta.get_field("updated_at")
        values["since"] = since
    return params, values


def assigned_customer(csm, partner_slug, customer_id):
    """One customer with its contracts and change history, if assigned to `csm`; None
    otherwise (the caller answers 404)."""
    partner = _partner_assigning(csm, partner_slug, customer_id)
    if partner is None:
        return None
    # Everything else in one visit of the partner's schema: each visit costs the search
    # path set twice.
    with partner_schema(partner):
        customer = _customer_of(customer_id)
        if customer is None:
            return None
        contracts = contract_services.contracts_with_baselines(customer)
        history = history_for_customer(customer)
    return AssignedCustomer(partner, customer, csm), contracts, history


def partner_customers(partner):
    """A partner's customers with their assigned CSM, for the vendor administrator."""
    assignments = {a.customer_id: a.csm for a in
                   CsmAssignment.objects.filter(partner=partner).select_related("csm")}
    with partner_schema(partner):
        customers = list(Customer.objects.all())
    return [AssignedCustomer(partner, customer, assignments.get(customer.pk))
            for customer in customers]


def assign_csm(partner, customer_id, csm):
    """Assigns `csm` to a partner's customer (None: no CSM any more), and writes the
    customer's row of the console's index in the same transaction."""
    with transaction.atomic():
        previous = CsmAssignment.objects.filter(
            partner=partner, customer_id=customer_id).values_list("csm_id", flat=True).first()
        with partner_schema(partner):
            customer = Customer.objects.filter(pk=customer_id).first()
            if customer is None:
                raise Customer.DoesNotExist
            if csm is not None:
                console_index.customer_assigned(
                    customer.pk, moved=previous != csm.pk, name=customer.name,
                    site_id=customer.site_id, city=customer.city, country=str(customer.country),
                    time_zone=customer.time_zone, language=customer.language)
        if csm is None:
            CsmAssignment.objects.filter(partner=partner, customer_id=customer_id).delete()
            console_index.customer_unassigned(partner.schema_name, customer_id)
            return None
        assignment, _ = CsmAssignment.objects.update_or_create(
            partner=partner, customer_id=customer_id, defaults={"csm": csm})
        return assignment


def customer_assigned_to(csm, partner_slug, customer_id):
    """(partner, customer) when the customer is assigned to `csm`; None otherwise."""
    partner = _partner_assigning(csm, partner_slug, customer_id)
    if partner is None:
        return None
    with partner_schema(partner):
        customer = _customer_of(customer_id)
    return (partner, customer) if customer else None


def _partner_assigning(csm, partner_slug, customer_id):
    """The partner named `partner_slug` if its customer `customer_id` is assigned to `csm`;
    None otherwise."""
    assignment = PreparedRows(
        "csm-assignment", CsmAssignment, lambda csm, slug, customer: CsmAssignment.objects
        .select_related("partner").filter(csm=csm, partner__slug=slug, customer_id=customer),
        {"csm": CsmAssignment._meta.get_field("csm"), "slug": Partner._meta.get_field("slug"),
         "customer": CsmAssignment._meta.get_field("customer_id")},
        {"csm": csm.pk, "slug": partner_slug, "customer": customer_id}).first()
    return assignment.partner if assignment else None


def _customer_of(customer_id):
    """The customer `customer_id` of the partner being served, or None."""
    return PreparedRows("customer", Customer, lambda pk: Customer.objects.filter(pk=pk),
                        {"pk": Customer._meta.pk}, {"pk": customer_id}).first()


def queue_lens_import(csm, partner, form):
    """Stores a CSM's Lens export (a valid LensImportForm bound to the customer) in the
    partner's schema and queues its import there."""
    with partner_schema(partner):
        return queue_import(customer=form.fixed_customer, upload=form.cleaned_data["file"],
                            full_export=form.cleaned_data["full_export"],
                            uploaded_by_csm=csm.email)


def lens_import_of(csm, partner_slug, customer_id, import_id):
    """A Lens import of a customer assigned to `csm`, with its snapshot counts; or None."""
    assignment = CsmAssignment.objects.select_related("partner").filter(
        csm=csm, partner__slug=partner_slug, customer_id=customer_id).first()
    if assignment is None:
        return None
    with partner_schema(assignment.partner):
        lens_import = (LensImport.objects.select_related("customer", "snapshot")
                       .filter(pk=import_id, customer_id=customer_id).first())
        if lens_import is None:
            return None
        counts = list(lens_import.snapshot.counts.all()) if lens_import.snapshot else []
    return lens_import, counts


def _inactive_partners():
    """The schemas of partners that are not active (a handful, usually none)."""
    return Partner.objects.exclude(status=Partner.Status.ACTIVE).values("schema_name")


def _indexed(model, partner_slug=""):
    """The index's rows of active partners, with each partner. Partners that are not
    active are left out by a filter on each row rather than a join on every partner's
    status: the queue is read from its index in its order and stops after a page,
    whatever the planner knows of the tables' sizes."""
    rows = model.objects.exclude(partner_id__in=_inactive_partners()).select_related(
        "partner")
    return rows.filter(partner__slug=partner_slug) if partner_slug else rows


def _open_count(model, partner_slug=""):
    """The number of open rows of a queue: its partners' counters (OpenCount) added up,
    not its rows counted."""
    counts = OpenCount.objects.filter(queue=model._meta.db_table).exclude(
        partner_id__in=_inactive_partners())
    if partner_slug:
        counts = counts.filter(partner__slug=partner_slug)
    total = counts.order_by().values("queue").annotate(total=Sum("open_rows")).values("total")
    return Coalesce(Subquery(total), 0)


def _assigned_to(csm):
    """Index rows whose customer is assigned to `csm` (their `csm`, kept by triggers from
    the assignments: migration consoleindex 0009)."""
    return Q(csm=csm)


def _page(rows, order_by, limit, offset, total=None):
    """One page of `rows` with the count of all of them (or `total`, an expression that
    gives it), in one query. The count is a subquery of its own, worked out once: the
    page reads its rows from an index in `order_by`'s order and stops after them, where a
    count over the page's rows (a window) would make it read and sort every matching row
    first."""
    rows = list(_paged(rows, order_by, limit, offset, total))
    return rows, (rows[0].total if rows else 0)


def _count_of(rows):
    """The number of `rows`, as a subquery."""
    count = Func(F("pk"), function="COUNT", output_field=IntegerField())
    return Subquery(rows.order_by().annotate(count=count).values("count")[:1])


def _paged(rows, order_by, limit, offset, total=None):
    """The queryset of `_page`."""
    if total is None:
        total = _count_of(rows)
    return rows.annotate(total=total).order_by(*order_by)[offset:offset + limit]


@dataclass
class ListedPartner:
    """A row of the console's partners' list."""

    slug: str
    name: str
    domain_names: str  # the primary first, then the others in order, comma-separated
    default_language: str
    primary_colour: str
    accent_colour: str
    status: str


def _listed_domains():
    # The partner's domains as one value of its row, in the order of Domain.Meta.
    return Coalesce(Subquery(
        Domain.objects.filter(tenant=OuterRef("pk")).order_by().values("tenant").annotate(
            listed=StringAgg("domain", ", ", order_by=("-is_primary", "domain")))
        .values("listed")), Value(""), output_field=TextField())


def listed_partners(*, query="", order_by=("name", "pk"), limit=50, offset=0):
    """A page of the partners (ListedPartner) whose name, slug or a domain contains
    `query` (all of them without one), with their domains, and the count of all of them:
    one query, compiled once per thread for each shape (a search or not, the order, the
    page)."""

    def page(query=None):
        partners = Partner.objects.partners()
        if query is not None:
            partners = partners.filter(
                Q(name__icontains=query) | Q(slug__icontains=query)
                | Exists(Domain.objects.filter(tenant=OuterRef("pk"),
                                               domain__icontains=query)))
        # The page's partners are found first: the domains are then read for them alone,
        # not for every partner of the pages before.
        shown = partners.order_by(*order_by).values("pk")[offset:offset + limit]
        return Partner.objects.filter(pk__in=shown).order_by(*order_by).values(
            "slug", "name", "default_language", "primary_colour", "accent_colour", "status",
            domain_names=_listed_domains(), total=_count_of(partners))

    shape = f"{'search' if query else 'all'}:{','.join(order_by)}:{limit}:{offset}"
    params, values = ({"query": Partner._meta.get_field("name")}, {"query": query}) \
        if query else ({}, {})
    rows = PreparedRows(f"console-listed-partners:{shape}", Partner, page, params,
                        values).all()
    total = rows[0]["total"] if rows else 0
    for row in rows:
        del row["total"]
    return [ListedPartner(**row) for row in rows], total


def _queue(rows, *, status, open_statuses, query, kind, searched):
    """A queue's rows with its status ("open" for `open_statuses`) and its search: a
    reference of `kind` finds its row (`_by_reference`), other text is looked for in the
    `searched` columns."""
    if status == "open":
        rows = rows.filter(status__in=open_statuses)
    elif status:
        rows = rows.filter(status=status)
    if parse_reference(query):
        return _by_reference(rows, query, kind)
    if query:
        rows = rows.filter(reduce(or_, (Q(**{f"{column}__icontains": query})
                                        for column in searched)))
    return rows


def _by_reference(rows, query, kind):
    """The row a reference names (NW-T-000002), or the rows of every partner with that
    number when the prefix is left out (T-000002); nothing for another kind's reference."""
    prefix, found_kind, number = parse_reference(query)
    if found_kind != kind:
        return rows.none()
    rows = rows.filter(object_id=number)
    return rows.filter(partner__reference_prefix=prefix) if prefix else rows


@dataclass
class EscalatedTicket:
    partner: Partner
    pk: int
    subject: str
    priority: str
    status: str
    escalation_level: str
    escalated_at: object
    resolution_due_at: object
    resolved_at: object
    cloud_partner: str
    customer_name: str
    site_id: str
    breached: bool
    first_response_at: object = None
    response_due_at: object = None
    updated_at: object = None

    @property
    def reference(self):
        return self.partner.qualified(f"T-{self.pk:06d}")

    @property
    def is_open(self):
        return self.status in Ticket.OPEN_STATUSES

    @property
    def sla_breached(self):
        return self.breached

    @property
    def next_target(self):
        return next_target(self.status, self.first_response_at, self.response_due_at,
                           self.resolution_due_at)

    def get_status_display(self):
        return Ticket.Status(self.status).label

    def get_escalation_level_display(self):
        return Ticket.Level(self.escalation_level).label


def _breached(now):
    """Ticket.objects.breached(now) on the index's columns: a recorded breach, or a due
    instant passed without its answer."""
    return ExpressionWrapper(
        Q(breach_recorded=True)
        | Q(first_response_at__isnull=True, response_due_at__lte=now)
        | Q(resolved_at__isnull=True, resolution_due_at__lte=now),
        output_field=BooleanField())


def _escalated_ticket(row):
    return EscalatedTicket(
        row.partner, row.object_id, row.subject, row.priority, row.status,
        row.escalation_level, row.escalated_at, row.resolution_due_at, row.resolved_at,
        row.cloud_partner, row.customer_name, row.site_id, row.breached,
        row.first_response_at, row.response_due_at, row.updated_at)


# What an EscalatedTicket shows: of its partner, only what names it (a partner row has
# two dozen columns, three of them dates to parse, on each of the queue's rows).
ESCALATED_COLUMNS = (
    "object_id", "subject", "priority", "status", "escalation_level", "escalated_at",
    "resolution_due_at", "resolved_at", "cloud_partner", "customer_name", "site_id",
    "first_response_at", "response_due_at", "updated_at", "partner__schema_name",
    "partner__name", "partner__slug", "partner__reference_prefix")


# The queue's order. Ties go by the partner's schema, a column of the index, so that the
# open queue's index (consoleindex_ticket_open) gives the whole order.
ESCALATION_ORDER = [F("escalated_at").desc(nulls_last=True), "partner_id", "-object_id"]


def escalation_rows(*, status="open", level="", query="", partner_slug="", now=None):
    """The escalated tickets of every active partner the queue's filters select, newest
    escalation first, read from the console's index (see Rows)."""
    now = now or timezone.now()
    rows = _queue(_indexed(IndexedTicket, partner_slug), status=status,
                  open_statuses=Ticket.OPEN_STATUSES, query=query, kind="T",
                  searched=("subject", "site_id", "customer_name", "cloud_incident_number"))
    if level:
        rows = rows.filter(escalation_level=level)
    return Rows(rows.only(*ESCALATED_COLUMNS).annotate(breached=_breached(now))
                .order_by(*ESCALATION_ORDER), _escalated_ticket)


def escalated_tickets(*, status="open", level="", query="", partner_slug="", limit=50,
                      offset=0, now=None):
    """Escalated tickets of every active partner, newest escalation first, and their count.

    Read from the console's index (portal/consoleindex): one query whatever the number
    of partners.
    """
    open_queue = status == "open" and not level and not query

    def page(now):
        rows = escalation_rows(status=status, level=level, query=query,
                               partner_slug=partner_slug, now=now)
        return _paged(rows.queryset.values(*_ESCALATED_VALUES), ESCALATION_ORDER, limit,
                      offset, _open_count(IndexedTicket, partner_slug) if open_queue else None)

    if open_queue and not partner_slug:
        # The queue as vendor support opens it (and its dashboard), all day: compiled once
        # per thread (its only value is the time).
        found = PreparedRows(f"console-open-escalations:{limit}:{offset}", IndexedTicket,
                             page, {"now": IndexedTicket._meta.get_field("escalated_at")},
                             {"now": now or timezone.now()}).all()
    else:
        found = list(page(now))
    partners = {}
    return ([_escalated_ticket_of(row, partners) for row in found],
            found[0]["total"] if found else 0)


# The page's rows as values, each partner made once for its rows rather than a model
# instance of the index and of its partner for every row.
# In the model's order of fields, as from_db takes them.
_PARTNER_VALUES = tuple(field.attname for field in Partner._meta.concrete_fields
                        if field.attname in ("id", "schema_name", "name", "slug",
                                             "reference_prefix"))
# The annotation last: a prepared read names the columns of values() as Django lists
# them, fields first.
_ESCALATED_VALUES = (
    "object_id", "subject", "priority", "status", "escalation_level", "escalated_at",
    "resolution_due_at", "resolved_at", "cloud_partner", "customer_name", "site_id",
    "first_response_at", "response_due_at", "updated_at",
    *(f"partner__{name}" for name in _PARTNER_VALUES), "breached")


def _escalated_ticket_of(row, partners):
    schema_name = row["partner__schema_name"]
    partner = partners.get(schema_name)
    if partner is None:
        partner = partners[schema_name] = Partner.from_db(
            DEFAULT_DB_ALIAS, _PARTNER_VALUES,
            [row[f"partner__{name}"] for name in _PARTNER_VALUES])
    return EscalatedTicket(
        partner, row["object_id"], row["subject"], row["priority"], row["status"],
        row["escalation_level"], row["escalated_at"], row["resolution_due_at"],
        row["resolved_at"], row["cloud_partner"], row["customer_name"], row["site_id"],
        row["breached"], row["first_response_at"], row["response_due_at"],
        row["updated_at"])


@dataclass
class PartnerRma:
    partner: Partner
    pk: int
    status: str
    category: str
    requested_at: object
    promised_ship_date: object
    chargeable: bool
    serial: str
    model_name: str
    customer_name: str
    site_id: str
    late: Lateness | None = None

    STATUS_TONES = Rma.STATUS_TONES  # its badge ({% status_badge %}), as on the partner's page

    @property
    def reference(self):
        return self.partner.qualified(f"RMA-{self.pk:06d}")

    def get_status_display(self):
        return Rma.Status(self.status).label


# The open queue's index (consoleindex_rma_open) in its order; ties go by the partner's
# schema.
RMA_QUEUE_ORDER = ("promised_ship_date", "requested_at", "partner_id", "object_id")
# What the queue shows of a row, its partner and its product model.
RMA_QUEUE_FIELDS = ("object_id", "status", "category", "requested_at", "promised_ship_date",
                    "chargeable", "serial", "customer_name", "site_id", "ship_to_country",
                    "time_zone", "partner__name", "partner__slug",
                    "partner__reference_prefix", "product_model__name")


def rmas_of_all_partners(*, status="open", query="", partner_slug="", late_only=False,
                         limit=50, offset=0, now=None):
    """Replacements of every active partner for vendor support, late ones first (unshipped
    past their promised ship date, in the ship-to's local date), then oldest promise first,
    and their count.

    Late first is read as two runs of the queue's index, the late rows then the others,
    each in the index's order and stopping after a page: ordering by lateness itself would
    work out every open replacement's local date and sort them all on every page."""
    now = now or timezone.now()
    open_queue = status == "open" and not query and not late_only
    # The open queue as vendor support opens it, all day, is compiled once per thread.
    prepared = open_queue and not partner_slug

    def matching(now):
        return _queue(
            _indexed(IndexedRma, partner_slug).select_related("product_model").only(
                *RMA_QUEUE_FIELDS), status=status, open_statuses=Rma.OPEN_STATUSES,
            query=query, kind="RMA", searched=("serial", "site_id", "customer_name"))

    def total_of(now):
        return _open_count(IndexedRma, partner_slug) if open_queue else _count_of(
            matching(now).filter(late_q("time_zone", now)) if late_only else matching(now))

    def late(start, stop):
        return lambda now: _paged(matching(now).filter(late_q("time_zone", now)),
                                  RMA_QUEUE_ORDER, stop - start, start, total_of(now))

    def rest(start, stop, with_total):
        return lambda now: _paged(
            matching(now).exclude(late_q("time_zone", now)), RMA_QUEUE_ORDER, stop - start,
            start, total_of(now) if with_total else Value(None, IntegerField()))

    def read(key, page):
        if prepared:
            return PreparedRows(f"console-open-rmas:{key}", IndexedRma, page,
                                {"now": IndexedRma._meta.get_field("requested_at")},
                                {"now": now}).all()
        return list(page(now))

    can_be_late = status in ("open", "") or status in UNSHIPPED
    rows = read(f"late:{offset}:{limit}", late(offset, offset + limit)) if can_be_late else []
    if len(rows) < limit and not late_only:
        if rows:
            late_count = offset + len(rows)
        elif offset and can_be_late:
            late_count = matching(now).filter(late_q("time_zone", now)).count()
        else:
            late_count = 0
        start = max(0, offset - late_count)
        stop = start + limit - len(rows)
        rows += read(f"rest:{start}:{stop}:{not rows}", rest(start, stop, not rows))
    total = rows[0].total if rows else 0
    return [PartnerRma(row.partner, row.object_id, row.status, row.category,
                       row.requested_at, row.promised_ship_date, row.chargeable, row.serial,
                       row.product_model.name, row.customer_name, row.site_id,
                       lateness(row.status, row.promised_ship_date, row.ship_to_country,
                                row.time_zone, now))
            for row in rows], total


@dataclass
class CsmReport:
    partner: Partner
    pk: int
    customer_id: int
    month: object
    status: str
    generated_at: object
    published_at: object
    customer_name: str
    site_id: str
    quote_awaiting_po: bool = False
    updated_at: object = None

    def get_status_display(self):
        return MonthlyReport.Status(self.status).label


def _reports_of_csm(csm, status=""):
    rows = _indexed(IndexedReport).filter(_assigned_to(csm))
    return rows.filter(status=status) if status else rows


def csm_dashboard_counts(csm):
    """{"reports_to_review": the drafts, "quotes_awaiting_po": reports with a quote waiting
    for the partner's purchase order} of the CSM's customers: their dashboard's figures, in
    one statement compiled once per thread."""
    return PreparedRows(
        "csm-dashboard-counts", IndexedReport, lambda csm: totals(
            _indexed(IndexedReport).filter(_assigned_to(csm)),
            reports_to_review=Count("pk", filter=Q(status=MonthlyReport.Status.DRAFT)),
            quotes_awaiting_po=Count("pk", filter=Q(quote_awaiting_po=True))),
        {"csm": CsmAssignment._meta.get_field("csm")}, {"csm": csm.pk}).first()


CSM_REPORT_ORDER = ("-month", "status", "customer_name", "partner_id", "object_id")


def csm_reports(csm, *, status="", awaiting_po=False):
    """Reports of the customers assigned to `csm`, across partners, newest month first,
    read from the console's index (see Rows)."""
    rows = _reports_of_csm(csm, status)
    if awaiting_po:
        rows = rows.filter(quote_awaiting_po=True)
    # The order of the index of a CSM's reports: the partner's schema breaks ties.
    rows = rows.order_by(*CSM_REPORT_ORDER)
    return Rows(rows, _csm_report_of, lambda offset, limit, since: csm_reports_page(
        csm, limit, offset, status=status, awaiting_po=awaiting_po, since=since))


def _csm_report_of(row):
    return CsmReport(row.partner, row.object_id, row.customer_id, row.month, row.status,
                     row.generated_at, row.published_at, row.customer_name, row.site_id,
                     row.quote_awaiting_po, row.updated_at)


def csm_reports_page(csm, limit, offset, *, status="", awaiting_po=False, since=None):
    """A page of `csm_reports` (only those changed at or after `since`, when given) and
    the count of all of them, in one statement compiled once per thread for each shape
    and page (the CSM's *Monthly reports* and its list in the API)."""
    params, values = _csm_params(csm, since, IndexedReport)
    if status:
        params["status"] = IndexedReport._meta.get_field("status")
        values["status"] = status

    def page(csm, status="", since=None):
        rows = csm_reports(csm, status=status, awaiting_po=awaiting_po).queryset
        if since is not None:
            rows = rows.filter(updated_at__gte=since)
        return _paged(rows, CSM_REPORT_ORDER, limit, offset)

    found = PreparedRows(
        f"csm-reports:{bool(status)}:{awaiting_po}:{since is not None}:{limit}:{offset}",
        IndexedReport, page, params, values).all()
    return [_csm_report_of(row) for row in found], (found[0].total if found else 0)


@dataclass
class ConsoleQuote:
    partner: Partner
    pk: int
    report_id: int
    status: str
    currency: str
    total: Decimal
    adjustment_month: object
    issued_at: object
    decided_at: object
    customer_name: str
    site_id: str

    STATUS_TONES = {TrueUpQuote.Status.ISSUED: "provisioning",
                    TrueUpQuote.Status.ACCEPTED: "active",
                    TrueUpQuote.Status.DECLINED: "failed"}

    @property
    def reference(self):
        return self.partner.qualified(f"Q-{self.pk:06d}")

    def get_status_display(self):
        return QUOTE_STATUSES.get(self.status, self.status)


# What an issued quote waits for, as the console's list says it.
QUOTE_STATUSES = {TrueUpQuote.Status.ISSUED: gettext_lazy("Awaiting a purchase order"),
                  TrueUpQuote.Status.ACCEPTED: TrueUpQuote.Status.ACCEPTED.label,
                  TrueUpQuote.Status.DECLINED: TrueUpQuote.Status.DECLINED.label}


def quotes_of_partners(user, *, status="", partner_slug="", query="", limit=50, offset=0):
    """True-up quotes across partners, newest first, and their count, read from the
    console's index in one query: a CSM's are those of their assigned customers', the
    vendor administrator's every active partner's."""
    rows = _indexed(IndexedQuote, partner_slug)
    if user.role == Role.CSM:
        rows = rows.filter(_assigned_to(user))
    if status:
        rows = rows.filter(status=status)
    if query:
        rows = rows.filter(Q(customer_name__icontains=query) | Q(site_id__icontains=query))
    rows, total = _page(rows, ["-issued_at", "partner_id", "-object_id"], limit, offset)
    return [ConsoleQuote(row.partner, row.object_id, row.report_id, row.status, row.currency,
                         row.amount, row.adjustment_month, row.issued_at, row.decided_at,
                         row.customer_name, row.site_id)
            for row in rows], total


def csm_report(csm, partner_slug, report_id):
    """(partner, report) when the report's customer is assigned to `csm`; None otherwise.
    The caller reads the report inside partner_schema(partner)."""
    # A CSM's page, read all day: through SQL compiled once per thread.
    partner = active_partner_named(partner_slug)
    if partner is None:
        return None
    with partner_schema(partner):
        report = PreparedRows(
            "console-report", MonthlyReport, lambda pk: MonthlyReport.objects.select_related(
                "customer", "contract").filter(pk=pk), {"pk": MonthlyReport._meta.pk},
            {"pk": report_id}).first()
        # The assignments are the public schema's, on the partner's search path too: read
        # without setting the search path back and forth.
        if report is None or PreparedRows(
                "console-csm-assignment-of", CsmAssignment, lambda csm, partner, customer:
                CsmAssignment.objects.filter(csm=csm, partner=partner, customer_id=customer),
                {"csm": CsmAssignment._meta.get_field("csm"),
                 "partner": CsmAssignment._meta.get_field("partner"),
                 "customer": CsmAssignment._meta.get_field("customer_id")},
                {"csm": csm.pk, "partner": partner.pk, "customer": report.customer_id}
        ).first() is None:
            return None
    return partner, report


def rebuild_index():
    """Writes the console's index again from every partner's schema, partner by partner,
    each in one transaction (a partner's rows are replaced, never doubled); returns the
    number of schemas read. Every partner whose schema exists is indexed, whatever its
    status: the queues leave out partners that are not active."""
    rebuilt = 0
    for partner in Partner.objects.partners().order_by("pk"):
        if rebuild_partner_index(partner):
            rebuilt += 1
    # The index was written anew: the planner reads its tables' sizes and values again
    # rather than waiting for autovacuum (the queues' plans depend on them).
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join(
            model._meta.db_table
            for model in (IndexedTicket, IndexedRma, IndexedReport, IndexedCustomer, OpenCount,
                          StatusCount)))
    return rebuilt


def rebuild_partner_index(partner):
    """Writes one partner's part of the console's index, and its counts of Lens imports
    and report runs by status (/metrics), again from its schema, in one transaction;
    False when the partner has no schema."""
    if not schema_exists(partner.schema_name):
        return False
    assigned = list(CsmAssignment.objects.filter(partner=partner)
                    .values_list("customer_id", flat=True))
    with transaction.atomic(), partner_schema(partner):
        index_tickets()
        index_rmas()
        index_reports()
        index_quotes()
        console_index.replace_customers(Customer.objects.filter(pk__in=assigned).values(
            "id", "name", "site_id", "city", "country", "time_zone", "language",
            "updated_at"))
        # Last: it holds off the partner's writes to those tables until the commit.
        console_index.recount_statuses()
    return True
