"""The console's reads across partners: the only code that switches schema on purpose.

A CSM sees the customers assigned to them and nothing else; every function here takes the
assignments as its starting point.
"""

from dataclasses import dataclass

from django_tenants.utils import schema_context, tenant_context

from portal.tenants.models import Partner

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
    with schema_context("public"):
        assignment = (CsmAssignment.objects.select_related("csm")
                      .filter(partner=partner, customer_id=customer.pk).first())
        return assignment.csm if assignment else None


def customers_of_csm(csm):
    """Every customer assigned to `csm`, across partners."""
    from contracts.models import Customer

    by_partner = {}
    for assignment in CsmAssignment.objects.filter(csm=csm).select_related("partner"):
        by_partner.setdefault(assignment.partner, []).append(assignment.customer_id)
    result = []
    for partner, ids in sorted(by_partner.items(), key=lambda item: item[0].name):
        if partner.status != Partner.Status.ACTIVE:
            continue
        with tenant_context(partner):
            result += [AssignedCustomer(partner, customer, csm)
                       for customer in Customer.objects.filter(pk__in=ids)]
    return result


def assigned_customer(csm, partner_slug, customer_id):
    """One customer with its contracts and change history, if assigned to `csm`; None
    otherwise (the caller answers 404)."""
    from contracts.models import Customer
    from reporting.audit import history_for_customer

    assignment = CsmAssignment.objects.select_related("partner").filter(
        csm=csm, partner__slug=partner_slug, customer_id=customer_id).first()
    if assignment is None:
        return None
    with tenant_context(assignment.partner):
        customer = Customer.objects.filter(pk=customer_id).first()
        if customer is None:
            return None
        contracts = list(customer.contracts.prefetch_related("lines",
                                                             "baseline_versions__entries"))
        history = history_for_customer(customer)
    return AssignedCustomer(assignment.partner, customer, csm), contracts, history


def partner_customers(partner):
    """A partner's customers with their assigned CSM, for the vendor administrator."""
    from contracts.models import Customer

    assignments = {a.customer_id: a.csm for a in
                   CsmAssignment.objects.filter(partner=partner).select_related("csm")}
    with tenant_context(partner):
        customers = list(Customer.objects.all())
    return [AssignedCustomer(partner, customer, assignments.get(customer.pk))
            for customer in customers]


def assign_csm(partner, customer_id, csm):
    from contracts.models import Customer

    with tenant_context(partner):
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
    from contracts.models import Customer

    assignment = CsmAssignment.objects.select_related("partner").filter(
        csm=csm, partner__slug=partner_slug, customer_id=customer_id).first()
    if assignment is None:
        return None
    with tenant_context(assignment.partner):
        customer = Customer.objects.filter(pk=customer_id).first()
    return (assignment.partner, customer) if customer else None


def queue_lens_import(csm, partner, form):
    """Stores a CSM's Lens export (a valid LensImportForm bound to the customer) in the
    partner's schema and queues its import there."""
    from inventory.tasks import queue_import

    with tenant_context(partner):
        return queue_import(customer=form.fixed_customer, upload=form.cleaned_data["file"],
                            full_export=form.cleaned_data["full_export"],
                            uploaded_by_csm=csm.email)


def lens_import_of(csm, partner_slug, customer_id, import_id):
    """A Lens import of a customer assigned to `csm`, with its snapshot counts; or None."""
    from inventory.models import LensImport

    assignment = CsmAssignment.objects.select_related("partner").filter(
        csm=csm, partner__slug=partner_slug, customer_id=customer_id).first()
    if assignment is None:
        return None
    with tenant_context(assignment.partner):
        lens_import = (LensImport.objects.select_related("customer", "snapshot")
                       .filter(pk=import_id, customer_id=customer_id).first())
        if lens_import is None:
            return None
        counts = list(lens_import.snapshot.counts.all()) if lens_import.snapshot else []
    return lens_import, counts


def _page_of_union(selects, params, partners, row_type, order_by, limit, offset):
    """One page of the rows of every partner's SELECT (each starting with the partner's
    id), as `row_type`, with the count of all of them: a single query."""
    from django.db import connection

    sql = (f"SELECT u.*, count(*) OVER () FROM ({' UNION ALL '.join(selects)}) u "
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
        from tickets.models import Ticket

        return Ticket.Status(self.status).label

    def get_escalation_level_display(self):
        from tickets.models import Ticket

        return Ticket.Level(self.escalation_level).label


def escalated_tickets(*, status="open", level="", query="", partner_slug="", limit=50,
                      offset=0, now=None):
    """Escalated tickets of every active partner, newest escalation first, and their count.

    One UNION ALL over the partners' schemas, so the queue costs two queries whatever the
    number of partners.
    """
    from django.db import connection
    from django.utils import timezone

    from contracts.models import Customer
    from tickets.models import Breach, Ticket

    partners = list(Partner.objects.partners().filter(status=Partner.Status.ACTIVE))
    if partner_slug:
        partners = [partner for partner in partners if partner.slug == partner_slug]
    if not partners:
        return [], 0
    now = now or timezone.now()
    quote = connection.ops.quote_name
    conditions, params = ["t.escalation_level <> %s"], [Ticket.Level.PARTNER]
    if status == "open":
        conditions.append("t.status IN (%s, %s, %s)")
        params += [Ticket.Status.NEW, Ticket.Status.IN_PROGRESS, Ticket.Status.WAITING]
    elif status:
        conditions.append("t.status = %s")
        params.append(status)
    if level:
        conditions.append("t.escalation_level = %s")
        params.append(level)
    if query:
        conditions.append("(t.subject ILIKE %s OR c.site_id ILIKE %s OR c.name ILIKE %s "
                          "OR t.cloud_incident_number ILIKE %s)")
        params += [f"%{query}%"] * 4
    selects, all_params = [], []
    for partner in partners:
        schema = quote(partner.schema_name)
        selects.append(
            f"SELECT %s AS partner_id, t.id, t.subject, t.priority, t.status, "
            f"t.escalation_level, t.escalated_at, t.resolution_due_at, t.resolved_at, "
            f"t.cloud_partner, c.name, c.site_id, "
            f"(EXISTS (SELECT 1 FROM {schema}.{Breach._meta.db_table} b "
            f"WHERE b.ticket_id = t.id) "
            f"OR (t.first_response_at IS NULL AND t.response_due_at <= %s) "
            f"OR (t.resolved_at IS NULL AND t.resolution_due_at <= %s)) AS breached "
            f"FROM {schema}.{Ticket._meta.db_table} t "
            f"JOIN {schema}.{Customer._meta.db_table} c ON c.id = t.customer_id "
            f"WHERE {' AND '.join(conditions)}")
        all_params += [partner.pk, now, now, *params]
    return _page_of_union(selects, all_params, partners, EscalatedTicket,
                          "u.escalated_at DESC NULLS LAST, u.partner_id, u.id DESC",
                          limit, offset)


def escalated_ticket_partner(slug):
    """The active partner a console escalation URL names, or None."""
    return Partner.objects.partners().filter(slug=slug, status=Partner.Status.ACTIVE).first()


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

    @property
    def reference(self):
        return f"RMA-{self.pk:06d}"

    def get_status_display(self):
        from tickets.models import Rma

        return Rma.Status(self.status).label


def rmas_of_all_partners(*, status="open", query="", partner_slug="", limit=50, offset=0):
    """Replacements of every active partner for vendor support, oldest promise first, and
    their count: one UNION ALL over the partners' schemas."""
    from django.db import connection

    from contracts.models import Customer
    from inventory.models import Device
    from portal.catalogue.models import ProductModel
    from tickets.models import Rma
    from tickets.rma import OPEN_STATUSES

    partners = list(Partner.objects.partners().filter(status=Partner.Status.ACTIVE))
    if partner_slug:
        partners = [partner for partner in partners if partner.slug == partner_slug]
    if not partners:
        return [], 0
    quote = connection.ops.quote_name
    conditions, params = ["TRUE"], []
    if status == "open":
        conditions.append(f"r.status IN ({', '.join(['%s'] * len(OPEN_STATUSES))})")
        params += list(OPEN_STATUSES)
    elif status:
        conditions.append("r.status = %s")
        params.append(status)
    if query:
        conditions.append("(d.serial ILIKE %s OR c.site_id ILIKE %s OR c.name ILIKE %s)")
        params += [f"%{query}%"] * 3
    selects, all_params = [], []
    for partner in partners:
        schema = quote(partner.schema_name)
        selects.append(
            f"SELECT %s AS partner_id, r.id, r.status, r.category, r.requested_at, "
            f"r.promised_ship_date, r.chargeable, d.serial, m.name, c.name, c.site_id "
            f"FROM {schema}.{Rma._meta.db_table} r "
            f"JOIN {schema}.{Device._meta.db_table} d ON d.id = r.device_id "
            f"JOIN {schema}.{Customer._meta.db_table} c ON c.id = r.customer_id "
            f"JOIN public.{ProductModel._meta.db_table} m ON m.id = r.product_model_id "
            f"WHERE {' AND '.join(conditions)}")
        all_params += [partner.pk, *params]
    return _page_of_union(selects, all_params, partners, PartnerRma,
                          "u.promised_ship_date, u.requested_at, u.partner_id, u.id",
                          limit, offset)


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
        from reporting.models import MonthlyReport

        return MonthlyReport.Status(self.status).label


def reports_of_csm(csm, *, status=""):
    """Reports of the customers assigned to `csm`, across partners, in one UNION ALL over
    the partners' schemas (restricted to the assigned customer ids)."""
    from django.db import connection

    from contracts.models import Customer
    from reporting.models import MonthlyReport

    by_partner = {}
    for assignment in CsmAssignment.objects.filter(
            csm=csm, partner__status=Partner.Status.ACTIVE).select_related("partner"):
        by_partner.setdefault(assignment.partner, []).append(assignment.customer_id)
    if not by_partner:
        return []
    quote = connection.ops.quote_name
    selects, params = [], []
    for partner, customer_ids in by_partner.items():
        schema = quote(partner.schema_name)
        condition = "r.customer_id = ANY(%s)" + (" AND r.status = %s" if status else "")
        selects.append(
            f"SELECT %s AS partner_id, r.id, r.customer_id, r.month, r.status, "
            f"r.generated_at, r.published_at, c.name, c.site_id "
            f"FROM {schema}.{MonthlyReport._meta.db_table} r "
            f"JOIN {schema}.{Customer._meta.db_table} c ON c.id = r.customer_id "
            f"WHERE {condition}")
        params += [partner.pk, customer_ids] + ([status] if status else [])
    sql = (f"SELECT * FROM ({' UNION ALL '.join(selects)}) u "
           f"ORDER BY u.month DESC, u.status, u.name")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    partners = {partner.pk: partner for partner in by_partner}
    return [CsmReport(partners[row[0]], *row[1:]) for row in rows]


def csm_report(csm, partner_slug, report_id):
    """(partner, report) when the report's customer is assigned to `csm`; None otherwise.
    The caller reads the report inside tenant_context(partner)."""
    from reporting.models import MonthlyReport

    partner = Partner.objects.filter(slug=partner_slug, status=Partner.Status.ACTIVE).first()
    if partner is None:
        return None
    with tenant_context(partner):
        report = MonthlyReport.objects.select_related("customer", "contract").filter(
            pk=report_id).first()
    if report is None or not CsmAssignment.objects.filter(
            csm=csm, partner=partner, customer_id=report.customer_id).exists():
        return None
    return partner, report
