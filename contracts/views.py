from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from portal.csvexport import csv_response
from portal.errors import add_to_form, add_to_messages
from portal.lists import Table, filtered, sorted_by
from portal.programme import rule
from portal.submissions.once import created, sent_once
from portal.users.access import EVERYONE_OF_PARTNER, PARTNER_ADMIN, PARTNER_STAFF, role_required

from . import services
from .filters import CONTRACT_SORTS, CUSTOMER_SORTS, ContractFilterSet, CustomerFilterSet
from .forms import ContractForm, CustomerForm
from .models import Contract, Customer
from .tables import CUSTOMER_COLUMNS, contract_columns


@role_required(*PARTNER_STAFF)
def customer_list(request):
    filters = CustomerFilterSet(request.GET or None,
                                queryset=Customer.objects.visible_to(request.user))
    sort = request.GET.get("sort")
    customers = sorted_by(filtered(filters), sort, CUSTOMER_SORTS)
    if request.GET.get("format") == "csv":
        return customers_csv(customers)
    return render(request, "contracts/customer_list.html", {
        "customers": customers, "filters": filters.form,
        "table": Table(CUSTOMER_COLUMNS, customers, sort=sort,
                       empty=_("No customers match."))})


CUSTOMER_CSV_COLUMNS = ["site_id", "name", "address", "postal_code", "city", "country",
                        "time_zone", "language"]


def customers_csv(customers):
    return csv_response("customers.csv", CUSTOMER_CSV_COLUMNS, (
        [str(getattr(customer, column)) for column in CUSTOMER_CSV_COLUMNS]
        for customer in customers))


@role_required(*PARTNER_STAFF)
@sent_once
def customer_create(request):
    form = CustomerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        customer = services.save_customer(form.save(commit=False))
        created(request, customer)
        messages.success(request, _("Customer %(name)s has been created.") % {
            "name": customer.name})
        return redirect("customer_detail", pk=customer.pk)
    return render(request, "contracts/customer_form.html", {"form": form})


@role_required(*PARTNER_STAFF)
def customer_edit(request, pk):
    customer = get_object_or_404(Customer.objects.visible_to(request.user), pk=pk)
    form = CustomerForm(request.POST or None, instance=customer)
    if request.method == "POST" and form.is_valid():
        services.save_customer(form.save(commit=False))
        messages.success(request, _("Customer %(name)s has been saved.") % {
            "name": customer.name})
        return redirect("customer_detail", pk=customer.pk)
    return render(request, "contracts/customer_form.html", {"form": form, "customer": customer})


def letters_card(customer):
    return reverse("customer_detail", args=[customer.pk]) + "#authorisation-letters"


@role_required(*PARTNER_ADMIN)
@require_POST
def authorisation_letter_revoke(request, pk, letter_pk):
    customer = get_object_or_404(Customer.objects.visible_to(request.user), pk=pk)
    letter = get_object_or_404(customer.authorisation_letters, pk=letter_pk)
    try:
        services.revoke_authorisation_letter(letter, revoked_by=request.user)
    except ValidationError as error:
        add_to_messages(request, error, one_by_one=True)
    else:
        messages.success(request, _(
            "The letter signed by %(signatory)s has been revoked; it stays on file.") % {
            "signatory": letter.signatory})
    return redirect(letters_card(customer))


@role_required(*EVERYONE_OF_PARTNER)
@never_cache
def authorisation_letter_download(request, pk, letter_pk):
    """The letter's file under its own name; a customer user gets their own customer's."""
    customer = get_object_or_404(Customer.objects.visible_to(request.user), pk=pk)
    letter = get_object_or_404(customer.authorisation_letters, pk=letter_pk)
    file_type = services.letter_file_type(letter.file.name)
    try:
        handle = services.open_authorisation_letter(letter)
    except FileNotFoundError as exc:
        raise Http404 from exc
    return FileResponse(handle, as_attachment=True, filename=letter.download_name,
                        content_type=file_type.content_type if file_type
                        else "application/octet-stream")


def allowance_percent():
    return (rule("BASELINE_ALLOWANCE") * 100).normalize()


def contracts_visible_to(user):
    return Contract.objects.visible_to(user).select_related("customer").prefetch_related("lines")


@role_required(*EVERYONE_OF_PARTNER)
def contract_list(request):
    filters = ContractFilterSet(request.GET or None, queryset=contracts_visible_to(request.user))
    sort = request.GET.get("sort")
    contracts = sorted_by(filtered(filters), sort, CONTRACT_SORTS)
    if request.GET.get("format") == "csv":
        return contracts_csv(contracts)
    return render(request, "contracts/contract_list.html", {
        "contracts": contracts, "filters": filters.form,
        "table": Table(contract_columns(), contracts, sort=sort,
                       empty=_("No contracts match."))})


def contracts_csv(contracts):
    header = ["site_id", "customer", "start", "end", "status", "currency", "category",
              "installed", "growth", "ordered", "annual_price"]
    return csv_response("contracts.csv", header, (
        [contract.customer.site_id, contract.customer.name, contract.start, contract.end,
         contract.status, contract.currency, line.category, line.installed, line.growth,
         line.ordered, line.annual_price]
        for contract in contracts for line in contract.lines.all()))


@role_required(*PARTNER_ADMIN)
@sent_once
def contract_create(request):
    customers = Customer.objects.visible_to(request.user)
    initial = {}
    if request.GET.get("customer"):
        initial["customer"] = request.GET["customer"]
    form = ContractForm(request.POST or None, customers=customers, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            contract = services.save_draft_contract(form.save(commit=False), form.lines())
        except ValidationError as error:
            add_to_form(form, error)
        else:
            created(request, contract)
            messages.success(request, _("The draft contract has been saved."))
            return redirect("contract_detail", pk=contract.pk)
    return render(request, "contracts/contract_form.html",
                  {"form": form, "allowance": allowance_percent()})


@role_required(*PARTNER_ADMIN)
def contract_edit(request, pk):
    contract = get_object_or_404(contracts_visible_to(request.user), pk=pk,
                                 status=Contract.Status.DRAFT)
    form = ContractForm(request.POST or None, instance=contract,
                        customers=Customer.objects.visible_to(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            services.save_draft_contract(form.save(commit=False), form.lines())
        except ValidationError as error:
            add_to_form(form, error)
        else:
            messages.success(request, _("The draft contract has been saved."))
            return redirect("contract_detail", pk=contract.pk)
    return render(request, "contracts/contract_form.html",
                  {"form": form, "contract": contract, "allowance": allowance_percent()})


@role_required(*PARTNER_ADMIN)
@require_POST
def contract_activate(request, pk):
    contract = get_object_or_404(contracts_visible_to(request.user), pk=pk)
    try:
        services.activate_contract(contract, author=request.user.email)
    except ValidationError as error:
        add_to_messages(request, error, one_by_one=True)
    else:
        messages.success(request, _("The contract is active; its initial baseline is recorded."))
    return redirect("contract_detail", pk=contract.pk)


@role_required(*PARTNER_ADMIN)
@require_POST
def contract_renew(request, pk):
    contract = get_object_or_404(contracts_visible_to(request.user), pk=pk)
    try:
        renewal = services.renew_contract(contract)
    except ValidationError as error:
        add_to_messages(request, error, one_by_one=True)
        return redirect("contract_detail", pk=contract.pk)
    messages.success(request, _("A draft renewal has been prepared with the adjusted counts."))
    return redirect("contract_detail", pk=renewal.pk)
