from django import template
from django.utils.translation import gettext as _

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
