"""Who changed a customer, its contracts and their baselines, and when."""

from dataclasses import dataclass, field
from datetime import datetime

from django.utils.translation import gettext_lazy as _

from .models import AuthorisationLetter, BaselineVersion, Contract, ContractLine

ACTIONS = {"+": _("created"), "~": _("changed"), "-": _("deleted")}


@dataclass
class AuditEntry:
    when: datetime
    who: str
    subject: str
    action: str
    changes: list = field(default_factory=list)


def _entries(records, subject):
    records = list(records.select_related("history_user").order_by("history_date"))
    previous_by_object = {}
    entries = []
    for record in records:
        previous = previous_by_object.get(record.id)
        changes = []
        if previous is not None and record.history_type == "~":
            delta = record.diff_against(previous)
            for change in delta.changes:
                label = record.instance_type._meta.get_field(change.field).verbose_name
                changes.append((label, change.old, change.new))
        previous_by_object[record.id] = record
        if record.history_type == "~" and not changes:
            continue
        entries.append(AuditEntry(
            when=record.history_date,
            who=record.history_user.email if record.history_user else _("system"),
            subject=subject(record), action=ACTIONS[record.history_type], changes=changes,
        ))
    return entries


def history_for_customer(customer):
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
                        % {"signatory": r.signatory, "date": r.signed_on})
    return sorted(entries, key=lambda entry: entry.when, reverse=True)
