from django import template

from portal.audit import history_card
from tickets import screen
from tickets.forms import JointCallForm, JointCallOutcomeForm
from tickets.services import JOINT_CALL_STATUSES
from tickets.tables import sla_cell

register = template.Library()


@register.filter
def time_left(row):
    """The queue's SLA cell of a ticket row: the time left or over for its next target."""
    return sla_cell()(row)


register.filter("duration", screen.duration)

# The ticket page's pieces (tickets/screen.py), each written as its template in
# tickets/includes/ would write it.
for piece in (screen.escalation_banner, screen.conversation, screen.reply_fields,
              screen.cloud_notices, screen.escalation_rows, screen.ticket_facts,
              screen.sidebar_fields, screen.service_level, screen.customer_panel,
              screen.own_replacements, history_card):
    register.simple_tag(piece)


@register.simple_tag
def joint_calls(ticket, staff=False):
    """The joint calls of the ticket's cloud-partner incident, and the forms staff record
    them with: the card's own data, so the ticket page's view needs nothing for it."""
    # Calls are only recorded on an incident: no incident, nothing to read.
    incident = ticket.cloud_status in JOINT_CALL_STATUSES
    may_record = staff and incident
    return {
        "calls": list(ticket.joint_calls.all()) if incident else [],
        "may_record": may_record,
        # Shown only to who may record a call (each form issues its one-time token).
        "form": JointCallForm() if may_record else None,
        "outcome_form": JointCallOutcomeForm() if may_record else None,
    }
