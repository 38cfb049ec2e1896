"""Who changed a customer, its contracts and their baselines, and when."""

from django.utils.translation import gettext_lazy as _

from portal.audit import audit_entries as _entries
from portal.formats import short_date

from .models import AuthorisationLetter, BaselineVersion, Contract, ContractLine


def contract_history(customer):
    """The changes of a customer, its contracts, lines, baselines and letters, with the ids of
    its contracts (for the apps that add their own entries)."""
    contract_ids = list(Contract.history.filter(customer_id=customer.pk)
                        .values_list("id", flat=True).distinct())
    entries = _entries(customer.history.all(), lambda r: _("Customer"))
    entries += _entries(Contract.history.filter(id__in=contract_ids),
                        lambda r: _("Contract %(start)s – %(end)s") % {
                            "start": r.start, "end": r.end})
    entries += _entries(ContractLine.history.filter(contract_id__in=contract_ids),
                        lambda r: _("Contract line: %(category)s") % {
                            "category": r.get_category_display()})
    entries += _entries(BaselineVersion.history.filter(contract_id__in=contract_ids),
                        lambda r: _("Baseline version %(number)s") % {"number": r.number})
    entries += _entries(AuthorisationLetter.history.filter(customer_id=customer.pk),
                        lambda r: _("Authorisation letter signed by %(signatory)s on %(date)s")
                        % {"signatory": r.signatory, "date": short_date(r.signed_on)})
    return entries, contract_ids
