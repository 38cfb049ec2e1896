"""Change history read from django-simple-history, as the pages show it."""

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import F
from django.utils.translation import gettext_lazy as _

from portal.prepared import KEYS, AnyOf, PreparedRows

ACTIONS = {"+": _("created"), "~": _("changed"), "-": _("deleted")}


@dataclass
class AuditEntry:
    when: datetime
    who: str
    subject: str
    action: str
    changes: list = field(default_factory=list)


def history_of(model, field, keys):
    """The historical records of `model` whose `field` is one of `keys`, oldest first with
    who made them, for `audit_entries`: read through SQL compiled once per thread, as the
    history of a page that is read all day."""
    if not keys:
        return []
    history = model.history.model
    return PreparedRows(
        f"history:{history._meta.label}.{field}", history,
        lambda keys: history.objects.filter(AnyOf(F(field), keys))
        .select_related("history_user").order_by("history_date"),
        {"keys": KEYS}, {"keys": list(keys)}).all()


def audit_entries(records, subject, hidden=()):
    """One entry per historical record, with the fields that changed (except `hidden`).
    `records`: a queryset of historical records, or the list `history_of` reads."""
    if not isinstance(records, list):
        records = list(records.select_related("history_user").order_by("history_date"))
    previous_by_object = {}
    entries = []
    for record in records:
        previous = previous_by_object.get(record.id)
        changes = []
        if previous is not None and record.history_type == "~":
            delta = record.diff_against(previous, excluded_fields=list(hidden))
            for change in delta.changes:
                model_field = record.instance_type._meta.get_field(change.field)
                old, new = change.old, change.new
                if model_field.choices:
                    labels = dict(model_field.flatchoices)
                    old, new = labels.get(old, old), labels.get(new, new)
                elif model_field.many_to_one:
                    names = {obj.pk: str(obj) for obj in model_field.related_model
                             ._default_manager.filter(pk__in=[old, new])}
                    old, new = names.get(old, old), names.get(new, new)
                changes.append((model_field.verbose_name, old, new))
        previous_by_object[record.id] = record
        if record.history_type == "~" and not changes:
            continue
        entries.append(AuditEntry(
            when=record.history_date,
            who=record.history_user.history_name if record.history_user else _("system"),
            subject=subject(record), action=ACTIONS[record.history_type], changes=changes,
        ))
    return entries
