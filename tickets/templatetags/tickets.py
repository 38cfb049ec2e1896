from django import template
from django.utils.translation import gettext as _

from tickets.forms import JointCallForm, JointCallOutcomeForm
from tickets.services import JOINT_CALL_STATUSES
from tickets.tables import sla_cell

register = template.Library()


@register.filter
def time_left(row):
    """The queue's SLA cell of a ticket row: the time left or over for its next target."""
    return sla_cell()(row)


@register.filter
def duration(value):
    """A length of time as hours and minutes, e.g. "26 h 05 min"."""
    if value is None:
        return ""
    minutes = max(int(value.total_seconds() // 60), 0)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return _("%(hours)d h %(minutes)02d min") % {"hours": hours, "minutes": minutes}
    return _("%(minutes)d min") % {"minutes": minutes}


@register.simple_tag
def joint_calls(ticket, staff=False):
    """The joint calls of the ticket's cloud-partner incident, and the forms staff record
    them with: the card's own data, so the ticket page's view needs nothing for it."""
    # Calls are only recorded on an incident: no incident, nothing to read.
    incident = ticket.cloud_status in JOINT_CALL_STATUSES
    return {
        "calls": list(ticket.joint_calls.all()) if incident else [],
        "may_record": staff and incident,
        "form": JointCallForm() if staff else None,
        "outcome_form": JointCallOutcomeForm() if staff else None,
    }
