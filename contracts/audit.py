"""Who changed a customer, its contracts and their baselines, and when."""

from django.utils.translation import gettext_lazy as _

from portal.audit import audit_entries as _entries
from portal.audit import historical_model, history_of
from portal.formats import short_date
from portal.prepared import PreparedRows

from .models import AuthorisationLetter, BaselineVersion, Contract, ContractLine, Customer


def contract_history(customer):
    """The changes of a customer, its contracts, lines, baselines and letters, with the ids of
    its contracts (for the apps that add their own entries)."""
    contracts = _contract_records(customer)
    contract_ids = list(dict.fromkeys(record.id for record in contracts))
    entries = _entries(history_of(Customer, "id", [customer.pk]), lambda r: _("Customer"))
    entries += _entries(contracts,
                        lambda r: _("Contract %(start)s – %(end)s") % {
                            "start": r.start, "end": r.end})
    entries += _entries(history_of(ContractLine, "contract_id", contract_ids),
                        lambda r: _("Contract line: %(category)s") % {
                            "category": r.get_category_display()})
    entries += _entries(history_of(BaselineVersion, "contract_id", contract_ids),
                        lambda r: _("Baseline version %(number)s") % {"number": r.number})
    entries += _entries(history_of(AuthorisationLetter, "customer_id", [customer.pk]),
                        lambda r: _("Authorisation letter signed by %(signatory)s on %(date)s")
                        % {"signatory": r.signatory, "date": short_date(r.signed_on)})
    return entries, contract_ids


def _contract_records(customer):
    """Every historical record of the contracts whose history names `customer` (a contract
    may have moved to another customer since), oldest first, as `history_of` reads them:
    one statement, compiled once per thread."""
    history = historical_model(Contract)
    return PreparedRows(
        "history:contracts-of-customer", history, lambda customer: history.objects.filter(
            id__in=history.objects.filter(customer_id=customer).values("id"))
        .select_related("history_user").order_by("history_date"),
        {"customer": Contract._meta.get_field("customer")}, {"customer": customer.pk}).all()
