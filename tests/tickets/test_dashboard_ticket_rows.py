"""`{% ticket_rows %}` writes the dashboards' short ticket tables as their included
template did, character for character: English and French, staff and customer users, a
ticket with its clock stopped, text to escape, and no tickets at all."""

import pytest
from django.template import engines
from django.utils import translation
from django_tenants.utils import tenant_context

from tests.tickets.test_tickets import open_for
from tickets.models import Ticket
from tickets.templatetags.ticket_rows import ticket_rows

TEMPLATE = (
    '{% load i18n formats %}{% if rows %}{% translate "Ticket" as ticket_label %}'
    '{% translate "Subject" as subject_label %}{% translate "Priority" as priority_label %}'
    '{% translate "Due" as due_label %}\n<table class="table table--cards"><thead><tr><th>'
    '{{ ticket_label }}</th><th>{{ subject_label }}</th><th>{{ priority_label }}</th><th>'
    '{{ due_label }}</th></tr></thead><tbody>\n{% for ticket in rows %}<tr>'
    '<td data-label="{{ ticket_label }}" class="cell--lead">'
    '<a href="{% url \'ticket_detail\' ticket.pk %}">{{ ticket.reference }}</a></td>'
    '<td data-label="{{ subject_label }}">{{ ticket.subject }}'
    '{% if not user.is_customer_user %} <span class="muted">{{ ticket.customer.site_id }}'
    '</span>{% endif %}</td><td data-label="{{ priority_label }}" class="cell--lead">'
    '<span class="badge">{{ ticket.priority }}</span></td><td data-label="{{ due_label }}'
    '" class="cell--lead">{% if ticket.resolution_due_at %}'
    '{{ ticket.resolution_due_at|date_time }}{% else %}{% translate "Clock stopped" %}'
    '{% endif %}</td></tr>{% endfor %}\n</tbody></table>\n{% else %}<p class="empty">'
    '{% translate "Nothing here." %}</p>{% endif %}\n')


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("persona", ["alpha_agent", "alpha_customer1"])
def test_the_rows_are_the_templates_markup(world, persona, language):
    open_for(world, subject='Sound <b>"cuts"</b> & echo')
    open_for(world, priority="P1")
    with tenant_context(world.alpha):
        Ticket.objects.filter(priority="P1").update(resolution_due_at=None)
        rows = list(Ticket.objects.select_related("customer").order_by("pk"))
        user = world[persona].user
        shown = {}
        for listed in (rows, []):
            with translation.override(language):
                ours = ticket_rows({"user": user}, listed)
                theirs = engines["django"].from_string(TEMPLATE).render(
                    {"rows": listed, "user": user})
            assert ours == theirs
            shown[bool(listed)] = ours
    assert len(rows) == 2
    assert "Sound &lt;b&gt;&quot;cuts&quot;&lt;/b&gt; &amp; echo" in shown[True]
    assert '<p class="empty">' in shown[False]
