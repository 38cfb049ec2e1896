"""The console's reads across partners: the only code that switches schema on purpose.

A CSM sees the customers assigned to them and nothing else; every function here takes the
assignments as its starting point.
"""

from dataclasses import dataclass

from django.db import transaction
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
    from contracts.audit import history_for_customer
    from contracts.models import Customer

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
    from inventory import lens
    from inventory.tasks import run_lens_import
    from portal.tenants.tasks import enqueue_on_commit

    upload = form.cleaned_data["file"]
    with tenant_context(partner), transaction.atomic():
        lens_import = lens.create_import(
            customer=form.fixed_customer, upload=upload, filename=upload.name,
            full_export=form.cleaned_data["full_export"], uploaded_by_csm=csm.email)
        enqueue_on_commit(run_lens_import, lens_import.pk)
    return lens_import


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
