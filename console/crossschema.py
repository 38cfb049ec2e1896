"""The console's reads across partners: the only code that switches schema on purpose.

A CSM sees the customers assigned to them and nothing else; every function here takes the
assignments as its starting point.
"""

from dataclasses import dataclass

from django.db import connection
from django.utils import timezone

from contracts.models import Customer
from inventory.models import LensImport
from inventory.tasks import queue_import
from portal.tenants.models import Partner
from portal.tenants.schemas import active_partners, partner_schema, public_schema
from reporting.audit import history_for_customer
from reporting.models import MonthlyReport
from reporting.queries import reports_select
from tickets.models import Rma, Ticket
from tickets.queries import escalated_tickets_select, rmas_select

from .models import CsmAssignment


@dataclass
class AssignedCustomer:
    partner: Partner
    customer: object
    csm: object = None


def csm_of(partner, customer):
    """The CSM assigned to `customer` of `partner` (a public-schema user), or None."""
    if not isinstance(partner, Partner) or partner.is_vendor:
        return None
    with public_schema():
        assignment = (CsmAssignment.objects.select_related("csm")
                      .filter(partner=partner, customer_id=customer.pk).first())
        return assignment.csm if assignment else None


def customers_of_csm(csm):
    """Every customer assigned to `csm`, across partners."""
    by_partner = {}
    for assignment in CsmAssignment.objects.filter(csm=csm).select_related("partner"):
        by_partner.setdefault(assignment.partner, []).append(assignment.customer_id)
    result = []
    for partner, ids in sorted(by_partner.items(), key=lambda item: item[0].name):
        if partner.status != Partner.Status.ACTIVE:
            continue
        with partner_schema(partner):
            result += [AssignedCustomer(partner, customer, csm)
                       for customer in Customer.objects.filter(pk__in=ids)]
    return result


def assigned_customer(csm, partner_slug, customer_id):
    """One customer with its contracts and change history, if assigned to `csm`; None
    otherwise (the caller answers 404)."""

    assignment = CsmAssignment.objects.select_related("partner").filter(
        csm=csm, partner__slug=partner_slug, customer_id=customer_id).first()
    if assignment is None:
        return None
    with partner_schema(assignment.partner):
        customer = Customer.objects.filter(pk=customer_id).first()
        if customer is None:
            return None
        contracts = list(customer.contracts.prefetch_related("lines",
                                                             "baseline_versions__entries"))
        history = history_for_customer(customer)
    return AssignedCustomer(assignment.partner, customer, csm), contracts, history


def partner_customers(partner):
    """A partner's customers with their assigned CSM, for the vendor administrator."""
    assignments = {a.customer_id: a.csm for a in
                   CsmAssignment.objects.filter(partner=partner).select_related("csm")}
    with partner_schema(partner):
        customers = list(Customer.objects.all())
    return [AssignedCustomer(partner, customer, assignments.get(customer.pk))
            for customer in customers]


def assign_csm(partner, customer_id, csm):
    with partner_schema(partner):
        if not Customer.objects.filter(pk=customer_id).exists():
            raise Customer.DoesNotExist
    if csm is None:
        CsmAssignment.objects.filter(partner=partner, customer_id=customer_id).delete()
        return None
    assignment, _ = CsmAssignment.objects.update_or_create(
        partner=partner, customer_id=customer_id, defaults={"csm": csm})
    return assignment


def customer_assigned_to(csm, partner_slug, customer_id):
    """(partner, customer) when the customer is assigned to `csm`; None otherwise."""
    assignment = CsmAssignment.objects.select_related("partner").filter(
        csm=csm, partner__slug=partner_slug, customer_id=customer_id).first()
    if assignment is None:
        return None
    with partner_schema(assignment.partner):
        customer = Customer.objects.filter(pk=customer_id).first()
    return (assignment.partner, customer) if customer else None


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


def _partners(slug=""):
    partners = active_partners()
    return list(partners.filter(slug=slug) if slug else partners)


def _union(partners, select):
    """The SQL and parameters of every partner's SELECT (see tickets/queries.py), each row
    starting with the partner's id."""
    selects, params = [], []
    for partner in partners:
        sql, sql_params = select(partner, connection.ops.quote_name(partner.schema_name))
        selects.append(sql.replace("SELECT ", "SELECT %s AS partner_id, ", 1))
        params += [partner.pk, *sql_params]
    return " UNION ALL ".join(selects), params


def _page_of_union(partners, select, row_type, order_by, limit, offset):
    """One page of the rows of every partner's SELECT, as `row_type`, with the count of all
    of them: a single query."""
    if not partners:
        return [], 0
    union, params = _union(partners, select)
    sql = (f"SELECT u.*, count(*) OVER () FROM ({union}) u "
           f"ORDER BY {order_by} LIMIT %s OFFSET %s")
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, limit, offset])
        rows = cursor.fetchall()
    by_pk = {partner.pk: partner for partner in partners}
    total = rows[0][-1] if rows else 0
    return [row_type(by_pk[row[0]], *row[1:-1]) for row in rows], total


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

    @property
    def reference(self):
        return f"T-{self.pk:06d}"

    def get_status_display(self):
        return Ticket.Status(self.status).label

    def get_escalation_level_display(self):
        return Ticket.Level(self.escalation_level).label


def escalated_tickets(*, status="open", level="", query="", partner_slug="", limit=50,
                      offset=0, now=None):
    """Escalated tickets of every active partner, newest escalation first, and their count.

    One UNION ALL over the partners' schemas, so the queue costs two queries whatever the
    number of partners.
    """
    now = now or timezone.now()
    return _page_of_union(
        _partners(partner_slug),
        lambda _partner, schema: escalated_tickets_select(
            schema, now=now, status=status, level=level, query=query),
        EscalatedTicket, "u.escalated_at DESC NULLS LAST, u.partner_id, u.id DESC",
        limit, offset)


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

    STATUS_TONES = Rma.STATUS_TONES  # its badge ({% status_badge %}), as on the partner's page

    @property
    def reference(self):
        return f"RMA-{self.pk:06d}"

    def get_status_display(self):
        return Rma.Status(self.status).label


def rmas_of_all_partners(*, status="open", query="", partner_slug="", limit=50, offset=0):
    """Replacements of every active partner for vendor support, oldest promise first, and
    their count: one UNION ALL over the partners' schemas."""
    return _page_of_union(
        _partners(partner_slug),
        lambda _partner, schema: rmas_select(schema, status=status, query=query),
        PartnerRma, "u.promised_ship_date, u.requested_at, u.partner_id, u.id", limit, offset)


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

    def get_status_display(self):
        return MonthlyReport.Status(self.status).label


def reports_of_csm(csm, *, status=""):
    """Reports of the customers assigned to `csm`, across partners, in one UNION ALL over
    the partners' schemas (restricted to the assigned customer ids)."""
    by_partner = {}
    for assignment in CsmAssignment.objects.filter(
            csm=csm, partner__in=active_partners()).select_related("partner"):
        by_partner.setdefault(assignment.partner, []).append(assignment.customer_id)
    if not by_partner:
        return []
    union, params = _union(by_partner, lambda partner, schema: reports_select(
        schema, customer_ids=by_partner[partner], status=status))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM ({union}) u ORDER BY u.month DESC, u.status, u.name",
                       params)
        rows = cursor.fetchall()
    partners = {partner.pk: partner for partner in by_partner}
    return [CsmReport(partners[row[0]], *row[1:]) for row in rows]


def csm_report(csm, partner_slug, report_id):
    """(partner, report) when the report's customer is assigned to `csm`; None otherwise.
    The caller reads the report inside partner_schema(partner)."""
    partner = active_partners().filter(slug=partner_slug).first()
    if partner is None:
        return None
    with partner_schema(partner):
        report = MonthlyReport.objects.select_related("customer", "contract").filter(
            pk=report_id).first()
    if report is None or not CsmAssignment.objects.filter(
            csm=csm, partner=partner, customer_id=report.customer_id).exists():
        return None
    return partner, report
