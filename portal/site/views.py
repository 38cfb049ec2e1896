"""Pages that put several apps together: a partner portal's home, a customer's page, a
device's page, and a contract's page with the programme's numbers of the reporting app."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from console.crossschema import csm_of
from contracts import services as contract_services
from contracts.forms import AuthorisationLetterForm
from contracts.models import AuthorisationLetter, Contract, Customer
from contracts.tables import contract_columns
from contracts.views import letters_card
from inventory.coverage import active_contracts_by_customer, covered_until, device_coverage
from inventory.services import device_history, device_visible_to
from portal.errors import add_to_form
from portal.lists import Table
from portal.submissions.once import created, sent_once
from portal.users.access import EVERYONE_OF_PARTNER, PARTNER_STAFF, role_required
from portal.users.models import Role
from reporting.audit import history_for_customer
from reporting.standing import contract_standing
from tickets import services as ticket_services
from tickets.rma.services import headset_rate, rmas_of_device

from . import dashboards


@role_required(*EVERYONE_OF_PARTNER)
def dashboard(request):
    user = request.user
    context = {}
    if user.role == Role.CUSTOMER_USER:
        context["customer"] = customer = Customer.objects.visible_to(user).first()
        if customer is not None:
            context.update(dashboards.customer_programme(customer, customer.today()))
    else:
        context["recent_customers"] = dashboards.recent_customers()
    context["tickets"] = ticket_services.dashboard(user)
    if user.role == Role.PARTNER_ADMIN:
        context.update(dashboards.partner_admin_programme(timezone.localdate(),
                                                          timezone.now()))
        context["pending_invitations"] = dashboards.pending_invitations()
        context.update(dashboards.counts(user, "customer_count", "user_count",
                                         "quotes_awaiting_po"))
    elif user.role != Role.CUSTOMER_USER:
        context.update(dashboards.counts(user, "customer_count"))
    return render(request, "tenants/dashboard.html", context)


def _customer_page(request, customer, letter_form=None):
    today = customer.today()
    letters = customer.authorisation_letters.select_related("uploaded_by", "revoked_by")
    valid_letter = contract_services.valid_authorisation_letter(customer, today)
    if letter_form is None and request.user.role in PARTNER_STAFF:
        letter_form = AuthorisationLetterForm(customer=customer)
    return render(request, "contracts/customer_detail.html", {
        "customer": customer,
        "customer_users": customer.users.order_by("last_name", "email"),
        "contract_table": Table(contract_columns(show_customer=False),
                                customer.contracts.prefetch_related("lines"), sortable=False,
                                empty=_("No contracts match.")),
        "csm": csm_of(connection.tenant, customer),
        "history": history_for_customer(customer)
        if request.user.role == Role.PARTNER_ADMIN else None,
        "letter_rows": [(letter, letter.status_on(today)) for letter in letters],
        "valid_letter": valid_letter,
        "letter_refusal": None if valid_letter
        else contract_services.authorisation_letter_refusal(customer, today),
        "letter_form": letter_form,
        "may_revoke_letters": request.user.role == Role.PARTNER_ADMIN,
        "headset_rate": headset_rate(customer, today.year, today),
        **_programme_numbers(customer, today),
    })


def _programme_numbers(customer, today):
    """The customer's active contract and where it stands today (SPEC §5, §9)."""
    contract = (customer.contracts.active().prefetch_related("lines", "baseline_versions__entries")
                .order_by("-start").first())
    return {"current_contract": contract,
            "standing": contract_standing(contract, today) if contract else None}


@role_required(*EVERYONE_OF_PARTNER)
def customer_detail(request, pk):
    customers = Customer.objects.visible_to(request.user)
    return _customer_page(request, get_object_or_404(customers, pk=pk))


@role_required(*PARTNER_STAFF)
@require_POST
@sent_once
def authorisation_letter_add(request, pk):
    customer = get_object_or_404(Customer.objects.visible_to(request.user), pk=pk)
    form = AuthorisationLetterForm(request.POST, request.FILES, customer=customer)
    if not form.is_valid():
        return _customer_page(request, customer, letter_form=form)
    try:
        letter = contract_services.add_authorisation_letter(customer, uploaded_by=request.user,
                                                   **form.cleaned_data)
    except ValidationError as error:
        add_to_form(form, error)
        return _customer_page(request, customer, letter_form=form)
    created(request, letter)
    today = customer.today()
    if letter.status_on(today) == AuthorisationLetter.Status.VALID:
        messages.success(request, _(
            "The letter signed by %(signatory)s is on file; it allows cloud-partner incidents "
            "until %(date)s.") % {"signatory": letter.signatory,
                                  "date": contract_services.long_date(letter.expires_on)})
    else:
        messages.warning(request, _(
            "The letter signed by %(signatory)s is on file, but it does not allow "
            "cloud-partner incidents today.") % {"signatory": letter.signatory})
    return redirect(letters_card(customer))


# The device page lists this many of the device's latest tickets, and of its changes.
DEVICE_TICKETS = 10
DEVICE_HISTORY = 50


@role_required(*EVERYONE_OF_PARTNER)
def device_detail(request, pk):
    user = request.user
    device = device_visible_to(user, pk)
    if device is None:
        raise Http404
    today = timezone.localdate()
    contract = active_contracts_by_customer([device.customer_id], today).get(
        device.customer_id)
    coverage = device_coverage(device, today, contract)
    # Its own replacements, and the one that brought it in.
    rmas = rmas_of_device(user, device)
    return render(request, "inventory/device_detail.html", {
        "device": device, "coverage": coverage,
        "covered_until": covered_until(device, contract) if coverage.covered else None,
        "tickets": ticket_services.latest_tickets_of_device(user, device, DEVICE_TICKETS),
        "ticket_limit": DEVICE_TICKETS,
        "rmas": [rma for rma in rmas if rma.device_id == device.pk],
        "replaces": next((rma for rma in rmas if rma.replacement_id == device.pk), None),
        "history": device_history(device, DEVICE_HISTORY),
    })


@role_required(*EVERYONE_OF_PARTNER)
def contract_detail(request, pk):
    contract = contract_services.visible_contract_with_baselines(request.user, pk)
    if contract is None:
        raise Http404
    versions = list(contract.baseline_versions.all())
    baseline = {entry.category: entry for entry in versions[-1].entries.all()} \
        if versions else {}
    # installed + growth + true-ups = ordered: what the true-ups added since activation.
    rows = [(line, baseline.get(line.category),
             baseline[line.category].ordered - line.ordered if line.category in baseline else 0)
            for line in contract.lines.all()]
    return render(request, "contracts/contract_detail.html", {
        "contract": contract, "rows": rows, "versions": versions,
        "renewal": getattr(contract, "renewal", None),
        "standing": None if contract.status == Contract.Status.DRAFT
        else contract_standing(contract, contract.customer.today()),
    })
