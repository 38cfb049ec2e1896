"""The list component's own rendering agrees with Django's: dates as the `date` filter shows
them, filter inputs as the widgets render them."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django import forms
from django.utils import timezone, translation
from django.utils.dateformat import format as django_format
from django.utils.formats import date_format

from portal.lists import Words, _date_format, filter_field, row_url, short_date, short_datetime

MOMENTS = [datetime(2028, 2, 29, 0, 5, tzinfo=ZoneInfo("UTC")),
           datetime(2026, 12, 31, 23, 59, tzinfo=ZoneInfo("Europe/Paris")),
           datetime(2026, 7, 14, 12, 0, tzinfo=ZoneInfo("UTC")),
           # Midnight, noon and a whole hour where the reader is.
           datetime(2026, 3, 1, 0, 0, tzinfo=ZoneInfo("Europe/Paris")),
           datetime(2026, 3, 1, 12, 0, tzinfo=ZoneInfo("America/New_York")),
           datetime(2026, 3, 1, 9, 0, tzinfo=ZoneInfo("Europe/Paris")),
           datetime(9, 1, 5, 7, 3, tzinfo=ZoneInfo("UTC"))]


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("zone", ["Europe/Paris", "America/New_York"])
def test_dates_read_as_the_date_filter_shows_them(language, zone):
    with translation.override(language), timezone.override(ZoneInfo(zone)):
        for moment in MOMENTS:
            assert short_datetime(moment) == date_format(timezone.localtime(moment),
                                                         "SHORT_DATETIME_FORMAT")
            assert Words().short_datetime(moment) == short_datetime(moment)
            assert short_date(moment.date()) == date_format(moment.date(), "SHORT_DATE_FORMAT")
            for name in ("DATE_FORMAT", "DATETIME_FORMAT", "SHORT_DATETIME_FORMAT",
                         "YEAR_MONTH_FORMAT", "MONTH_DAY_FORMAT"):
                assert _date_format(moment, name) == date_format(moment, name)
            for letters in ("d j m n y Y G H i P", "D l F M N a A f g h s"):
                assert _date_format(moment, letters) == date_format(moment, letters)
    assert short_datetime(None) == short_date(None) == Words().short_datetime(None) == "—"


def test_escaped_letters_stay_text(settings):
    from portal import lists

    lists._format_pieces.cache_clear()
    text = r"\L\e j F Y \à H\hi"
    pieces = "".join(str(piece) if not letter else f"<{piece}>"
                     for letter, piece in lists._format_pieces(text))
    assert pieces == "Le <j> <F> <Y> à <H>h<i>"
    moment = datetime(2026, 3, 1, 9, 7)
    formatted = "".join(
        str(getattr(lists.DateFormat(moment), piece)()) if letter else piece
        for letter, piece in lists._format_pieces(text))
    assert formatted == django_format(moment, text) == "Le 1 March 2026 à 09h07"


class Filters(forms.Form):
    q = forms.CharField(required=False, label="Search",
                        widget=forms.TextInput(attrs={"placeholder": "Serial & model"}))
    status = forms.ChoiceField(required=False, label="Status",
                               choices=[("", "All"), ("open", "Open <now>"), ("closed", "Closed")])
    outdated = forms.BooleanField(required=False, label="Outdated")


def attributes(html):
    """The markup's tags and attributes, in any order (Django's widgets and ours order
    attributes differently and add no meaning by it)."""
    html = re.sub(r">\s+<", "><", str(html)).strip()
    return sorted(re.findall(r'<\w+|[\w-]+(?:="[^"]*")?|>[^<]+<', html))


@pytest.mark.parametrize("data", [None, {"q": 'x"<y', "status": "open", "outdated": "on"},
                                  {"status": "closed", "outdated": "false"}])
def test_filter_inputs_are_the_widgets_markup(data):
    form = Filters(data)
    for field in form:
        if field.widget_type == "checkbox":
            expected = f"<label>{field} {field.label}</label>"
        else:
            expected = field.label_tag() + str(field)
        assert attributes(filter_field(field)) == attributes(expected), field.name


def test_row_links_are_the_routes_urls(world):
    from django.urls import reverse

    client = world["alpha_agent"].client()
    response = client.get("/tickets/")
    assert response.status_code == 200
    assert row_url("ticket_detail", 42) == reverse("ticket_detail", args=[42]) == "/tickets/42/"


def test_each_cell_names_its_column_and_the_lead_cells_are_marked():
    from portal.lists import Column, Table, table_rows

    table = Table([Column("Ticket", lambda row: row["ref"], lead=True),
                   Column('Subject "long"', lambda row: row["subject"]),
                   Column("Status", lambda row: row["status"], lead=True)],
                  [{"ref": "T-000001", "subject": "<b>", "status": "Open"}], empty="")
    assert str(table_rows(table)) == (
        '<tr><td data-label="Ticket" class="cell--lead">T-000001</td>'
        '<td data-label="Subject &quot;long&quot;">&lt;b&gt;</td>'
        '<td data-label="Status" class="cell--lead">Open</td></tr>\n')


def test_the_ticket_list_leads_with_reference_priority_status_and_sla(world):
    from tickets.tables import ticket_columns

    columns = ticket_columns(world["alpha_agent"].user)
    assert [str(column.label) for column in columns if column.lead] == [
        "Ticket", "Priority", "Status", "SLA"]


def test_the_consoles_own_rows_name_their_columns_too():
    from console.tables import _row_template
    from portal.lists import html

    row = html(_row_template([("Partner {x}", True), ("Colours", False)], {1: "{} {}"}),
               "Alpha", "<b>", "#123456")
    assert row == ('<tr><td data-label="Partner {x}" class="cell--lead">Alpha</td>'
                   '<td data-label="Colours">&lt;b&gt; #123456</td></tr>')


@pytest.mark.parametrize("filterset", ["rma", "device"])
def test_a_shared_unbound_filter_form_renders_as_one_built_for_the_request(filterset):
    from django_filters import FilterSet

    from inventory.filters import DeviceFilterSet
    from inventory.models import Device
    from tickets.models import Rma
    from tickets.rma.filters import RmaFilterSet

    shared, model = {"rma": (RmaFilterSet, Rma), "device": (DeviceFilterSet, Device)}[filterset]

    def fields(form):
        return "".join(filter_field(field) for field in form)

    for language in ["en", "fr", "en"]:
        with translation.override(language):
            form = shared(None, queryset=model.objects.none()).form
            assert form is shared(None, queryset=model.objects.none()).form
            # As FilterSet builds it for each request.
            built = FilterSet.form.fget(shared(None, queryset=model.objects.none()))
            assert fields(form) == fields(built)
            assert ("Statut" in fields(form)) == (language == "fr")
            bound = shared({"status": "closed"}, queryset=model.objects.none()).form
            assert bound is not form and bound.is_bound


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_escalation_queues_rows_say_what_each_ticket_does(language):
    from django.urls import reverse, set_urlconf

    from console.crossschema import EscalatedTicket
    from console.tables import escalation_rows
    from portal.tenants.models import Partner
    from tickets.models import Ticket

    partner = Partner(name="Azur <Télécom>", slug="azur", reference_prefix="ATS")
    escalated = datetime(2026, 12, 6, 2, 17, tzinfo=ZoneInfo("UTC"))
    tickets = [EscalatedTicket(partner, pk, "Trio", "P2", status, level, at, None, None, "",
                               "Hôpital", "AZ-1", False)
               for pk, status, level, at in [
                   (2, Ticket.Status.IN_PROGRESS, Ticket.Level.VENDOR, escalated),
                   (3, Ticket.Status.WAITING, Ticket.Level.SPECIALIST, None)]]
    set_urlconf("portal.urls_public")
    try:
        with translation.override(language), timezone.override("Europe/Paris"):
            rows = escalation_rows(tickets)
            for row, ticket in zip(rows, tickets, strict=True):
                assert f'<a href="{reverse("escalation_detail", args=["azur", ticket.pk])}">' \
                       f"{ticket.reference}</a>" in row
                assert f">{ticket.get_status_display()}</td>" in row
                assert f">{ticket.get_escalation_level_display()}</td>" in row
            escalated_label = translation.gettext("Escalated")
            assert f'<td data-label="{escalated_label}">{short_datetime(escalated)}</td>' \
                in rows[0]
            assert f'<td data-label="{escalated_label}"></td>' in rows[1]
            assert "Azur &lt;Télécom&gt;" in rows[0]
    finally:
        set_urlconf(None)
