"""A customer's change history: its contracts' history and their true-up quotes."""

from django.utils.translation import gettext_lazy as _

from contracts.audit import contract_history
from portal.audit import audit_entries, history_of

from .models import TrueUpQuote


def history_for_customer(customer):
    entries, contract_ids = contract_history(customer)
    entries += audit_entries(history_of(TrueUpQuote, "contract_id", contract_ids),
                             lambda r: _("True-up quote Q-%(number)06d") % {"number": r.id},
                             hidden=["decided_by"])
    return sorted(entries, key=lambda entry: entry.when, reverse=True)
