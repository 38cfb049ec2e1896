"""Change history read from django-simple-history, as the pages show it."""

from dataclasses import dataclass, field
from datetime import datetime
from functools import cache

from django.db.models import F, QuerySet
from django.template import Context
from django.template.base import render_value_in_context
from django.utils.safestring import SafeString
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from portal.formats import date_time
from portal.prepared import KEYS, AnyOf, PreparedRows

DASH = "—"
ACTIONS = {"+": _("created"), "~": _("changed"), "-": _("deleted")}


@dataclass
class AuditEntry:
    when: datetime
    who: str
    subject: str
    action: str
    changes: list = field(default_factory=list)


@cache
def historical_model(model):
    """The model of `model`'s historical records: read once, as `Model.history` builds a
    new manager class at every access."""
    return model.history.model


def history_of(model, field, keys):
    """The historical records of `model` whose `field` is one of `keys`, oldest first with
    who made them, for `audit_entries`: read through SQL compiled once per thread, as the
    history of a page that is read all day."""
    if not keys:
        return []
    history = historical_model(model)
    return PreparedRows(
        f"history:{history._meta.label}.{field}", history,
        lambda keys: history.objects.filter(AnyOf(F(field), keys))
        .select_related("history_user").order_by("history_date"),
        {"keys": KEYS}, {"keys": list(keys)}).all()


def audit_entries(records, subject, hidden=(), known=None):
    """One entry per historical record, with the fields that changed (except `hidden`).
    `records`: a queryset of historical records, or a list of them already read (with their
    `history_user`) in the order of their dates, as `history_of` reads them. `known`: rows
    already read that a change of a foreign key may name, {model: {pk: row}}; the others
    are read when a change names them."""
    if isinstance(records, QuerySet):
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
                    names = _names(model_field.related_model, (old, new), known)
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


def _names(model, keys, known):
    """The names of the rows of `model` a change names, from `known` when it has them all."""
    rows = (known or {}).get(model)
    if rows is not None and all(key is None or key in rows for key in keys):
        return {key: str(rows[key]) for key in keys if key is not None}
    return {obj.pk: str(obj) for obj in model._default_manager.filter(pk__in=keys)}


_CONTEXT = Context()  # escaping on, localisation and time zones as templates have them


def _shown(value):
    """`{{ value }}`: a date or a number of the record as a template writes it."""
    return render_value_in_context(value, _CONTEXT)


def _change(label, old, new):
    return f"{_shown(label)}: {_shown(old or DASH)} → {_shown(new or DASH)}"


def history_card(history):
    """`includes/history.html`, written in Python as the template writes it (a ticket's
    history has a row per change of state, priority, assignee or level)."""
    if history:
        rows = "".join(
            f"\n      <tr><td>{_shown(date_time(entry.when))}</td><td>{_shown(entry.who)}</td>"
            f"<td>{_shown(entry.subject)} — {_shown(entry.action)}</td>\n"
            f"      <td>{'<br>'.join(_change(*change) for change in entry.changes)}</td></tr>\n"
            "    " for entry in history)
        headers = "".join(f"<th>{label}</th>" for label in (
            gettext("When"), gettext("Who"), gettext("What"), gettext("Changes")))
        body = (f'\n  <table class="table">\n    <thead><tr>{headers}</tr></thead>\n'
                f"    <tbody>{rows}</tbody>\n  </table>\n  ")
    else:
        body = f'<p class="empty">{gettext("No changes recorded yet.")}</p>'
    return SafeString(f'\n<div class="card">\n  <h2 class="flush-top">{gettext("Change history")}'
                      f"</h2>\n  {body}\n</div>\n")
