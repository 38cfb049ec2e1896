"""The ticket list's columns (`includes/table.html`)."""

from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.lists import DASH, Column, Words, html, link, row_url, with_muted
from portal.users.models import User

from . import sla
from .models import Ticket

# What the list's rows read, as values (`TicketRow`): the cells' columns and no more.
_TICKET_VALUES = ("pk", "subject", "priority", "status", "escalation_level", "cloud_partner",
                  "created_at", "first_response_at", "response_due_at", "resolution_due_at",
                  "sla_breached")
TICKET_ROW_VALUES = (*_TICKET_VALUES, "customer__name", "customer__site_id",
                     "assignee__first_name", "assignee__last_name", "assignee__email")


class ListedCustomer:
    __slots__ = ("name", "site_id")

    def __init__(self, name, site_id):
        self.name, self.site_id = name, site_id


class ListedPerson:
    """An assignee, named as the user's model names them."""

    __slots__ = ("first_name", "last_name", "email")
    get_full_name = User.get_full_name
    display_name = User.display_name

    def __init__(self, first_name, last_name, email):
        self.first_name, self.last_name, self.email = first_name, last_name, email


class TicketRow:
    """A ticket of the list, read as values (`TICKET_ROW_VALUES`, with the breach flag of
    services.with_breach_flag): what the cells read of a ticket, its customer and its
    assignee, through the model's own properties. Fifty tickets' instances, each with its
    customer's and assignee's, cost the page more than its cells."""

    __slots__ = (*_TICKET_VALUES, "customer", "assignee")
    # The model's, for its rules and its choices' labels (Words.choice).
    _meta = Ticket._meta
    OPEN_STATUSES, Level = Ticket.OPEN_STATUSES, Ticket.Level
    reference, is_open = Ticket.reference, Ticket.is_open
    is_escalated, next_target = Ticket.is_escalated, Ticket.next_target

    def __init__(self, values):
        for name in _TICKET_VALUES:
            setattr(self, name, values[name])
        self.customer = ListedCustomer(values["customer__name"], values["customer__site_id"])
        self.assignee = None if values["assignee__email"] is None else ListedPerson(
            values["assignee__first_name"], values["assignee__last_name"],
            values["assignee__email"])


def _reference(row):
    return link(row_url("ticket_detail", row.pk), row.reference)


def _subject(row):
    return row.subject


def customer(row):
    """A ticket's or a replacement's customer, with the Site ID."""
    return with_muted(row.customer.name, row.customer.site_id)


def _priority(row):
    return html('<span class="badge">{}</span>', row.priority)


def _status(staff, words):
    def cell(row):
        badges = []
        if staff and row.is_escalated:
            badges.append(("badge badge--provisioning", words.choice(row, "escalation_level")))
        if row.cloud_partner:
            badges.append(("badge", words.choice(row, "cloud_partner")))
        if not badges:
            return words.status(row)
        return html("{}{}", words.status(row), SafeString("".join(
            html(' <span class="{}">{}</span>', tone, label) for tone, label in badges)))
    return cell


def _assignee(row):
    return row.assignee.display_name if row.assignee else DASH


def _opened(words):
    def cell(row):
        return words.short_datetime(row.created_at)
    return cell


def span(delta, _=_):
    """A length of time as a queue shows it: "25 min", "2 h 10 min", "3 h", "2 d 4 h";
    `_` translates (a table's `Words`)."""
    minutes = max(int(delta.total_seconds() // 60), 0)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    if days:
        return _("%(days)d d %(hours)d h") % {"days": days, "hours": hours}
    if hours and minutes:
        return _("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": minutes}
    if hours:
        return _("%(hours)d h") % {"hours": hours}
    return _("%(minutes)d min") % {"minutes": minutes}


def time_left(target, due_at, now, _=_):
    """(urgency, text) of a target due at `due_at`: "2 h 10 min left (response)",
    "3 h over (resolution)"; `_` translates (a table's `Words`)."""
    state = sla.urgency(due_at, now)
    if state == sla.OVER:
        text = (_("%(time)s over (response)") if target == "response"
                else _("%(time)s over (resolution)"))
        return state, text % {"time": span(now - due_at, _)}
    text = (_("%(time)s left (response)") if target == "response"
            else _("%(time)s left (resolution)"))
    return state, text % {"time": span(due_at - now, _)}


def sla_cell(now=None):
    """The time left or over for the target that comes next, coloured by urgency."""
    now = now or timezone.now()
    _ = Words()

    def cell(row):
        next_target = row.next_target
        if next_target is None:
            if row.is_open:
                return _("Clock stopped")
            return html('<span class="sla sla--breached">{}</span>', _("Breached")) \
                if row.sla_breached else DASH
        target, due_at = next_target
        state, text = time_left(target, due_at, now, _)
        return html('<span class="sla sla--{}" title="{}">{}</span>', state,
                           _("due %(due)s") % {"due": _.short_datetime(due_at)}, text)
    return cell


def _select(row):
    return html('<input type="checkbox" name="tickets" value="{}" form="bulk" '
                       'aria-label="{}">', row.pk, row.reference)


def ticket_columns(user, now=None, selectable=False):
    """Partner staff also see whose ticket it is and who handles it; `selectable` adds the
    checkbox of the bulk form."""
    staff = not user.is_customer_user
    words = Words()
    columns = [
        Column(gettext_lazy("Select"), _select, lead=True) if selectable else None,
        Column(gettext_lazy("Ticket"), _reference, lead=True),
        Column(gettext_lazy("Subject"), _subject),
        Column(gettext_lazy("Customer"), customer, sort="customer") if staff else None,
        Column(gettext_lazy("Priority"), _priority, sort="priority", lead=True),
        Column(gettext_lazy("Status"), _status(staff, words), sort="status", lead=True),
        Column(gettext_lazy("Assignee"), _assignee, sort="assignee") if staff else None,
        Column(gettext_lazy("Opened"), _opened(words), sort="opened"),
        Column(gettext_lazy("SLA"), sla_cell(now), sort="sla_due", lead=True),
    ]
    return [column for column in columns if column]
