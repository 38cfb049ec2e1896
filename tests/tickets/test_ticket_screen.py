"""The ticket page's pieces written in Python (tickets/screen.py) write what their templates
in tickets/includes/ write, character for character, in English and in French: escaped
names and texts, links or none (the console), every state of the clocks, the sidebar's
groups, the panel with and without a contract."""

from datetime import timedelta

import pytest
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django_tenants.utils import tenant_context

from portal.catalogue.eligibility import Coverage, Reason
from tickets import screen, services
from tickets.models import Attachment, CloudNotice, Comment, Escalation, Ticket
from tickets.views import portal_urls, screen_form

from .test_tickets import open_for

TRICKY = "Tom & Jerry's <b>\"quoted\"</b>\nsecond line"


def _same(template, context, written):
    expected = render_to_string(f"tickets/includes/{template}", context)
    assert str(written) == expected
    return expected


@pytest.fixture
def busy(world, setup):
    """An escalated ticket handed back once, with a thread of every kind of message, notices
    of a cloud partner and a device."""
    ticket = open_for(world, site_id="AL-0001", priority="P2")
    with tenant_context(world.alpha):
        agent = world["alpha_agent"].user
        services.add_comment(ticket, user=agent, body=TRICKY)
        note = services.add_comment(ticket, user=agent, body="Internal <i>", internal=True)
        Comment.objects.create(ticket=ticket, author_name="", from_vendor=True, body="x")
        for name, size in (("log <1>.txt", 12), ("photo's.png", 2_500_000)):
            Attachment.objects.create(comment=note, file="x", filename=name, size=size,
                                      content_type="text/plain")
        for frm, to in (("partner", "vendor"), ("vendor", "partner")):
            Escalation.objects.create(ticket=ticket, from_level=frm, to_level=to,
                                      actor_name="Ann <Support>", reason=TRICKY)
        CloudNotice.objects.create(ticket=ticket, body=TRICKY, author_name="Zoom & co")
        Ticket.objects.filter(pk=ticket.pk).update(
            cloud_partner="zoom", cloud_status="open", resolved_at=timezone.now(),
            device=setup["device"]("SN-SCREEN-1"))
        yield Ticket.objects.select_related("customer", "device", "opened_by",
                                            "assignee").get(pk=ticket.pk)


LANGUAGES = pytest.mark.parametrize("language", ["en", "fr"])


@LANGUAGES
def test_the_thread_banner_notices_and_escalations(world, busy, language):
    with tenant_context(world.alpha), translation.override(language):
        urls = portal_urls(busy)
        comments = services.ticket_page_rows(busy, staff=True).comments
        page = _same("comments.html", {"comments": comments, "urls": urls},
                     screen.conversation(comments, urls))
        assert "comment--internal" in page and "log &lt;1&gt;.txt" in page
        _same("comments.html", {"comments": [], "urls": urls}, screen.conversation([], urls))
        steps = list(busy.escalations.all())
        _same("escalation_rows.html", {"escalations": steps}, screen.escalation_rows(steps))
        _same("escalation_banner.html", {"ticket": busy, "escalation": steps[0]},
              screen.escalation_banner(busy, steps[0]))
        notices = list(busy.cloud_notices.all())
        _same("cloud_notices.html", {"cloud_notices": notices},
              screen.cloud_notices(notices))


@LANGUAGES
@pytest.mark.parametrize("persona", ["alpha_admin", "alpha_agent", "alpha_customer1"])
def test_the_sidebar(world, busy, language, persona):
    user = world[persona].user
    with tenant_context(world.alpha), translation.override(language):
        for ticket in (busy, Ticket.objects.select_related("customer").get(pk=open_for(
                world, site_id="AL-0001").pk)):
            form = screen_form(ticket, user)
            staff = not user.is_customer_user
            for partner in (None, world.alpha):
                _same("facts.html", {"ticket": ticket, "form": form, "staff": staff,
                                     "partner": partner},
                      screen.ticket_facts(ticket, form, staff, partner))
            for refusal in (None, "No letter <on file>."):
                _same("sidebar_fields.html", {"form": form, "letter_refusal": refusal},
                      screen.sidebar_fields(form, refusal))
        # A form sent back with its errors unfolds its group.
        form = screen_form(busy, user, {"level": "vendor", "reason": ""})
        if "reason" in form.fields:
            form.is_valid()
            form.add_error("reason", "Say <why>.")
            page = _same("sidebar_fields.html", {"form": form, "letter_refusal": None},
                         screen.sidebar_fields(form))
            assert "Say &lt;why&gt;." in page


@LANGUAGES
def test_the_service_level(world, busy, language):
    now = timezone.now()
    clocks = [services.Clock("response", 60, now, now, "met", timedelta(minutes=5)),
              services.Clock("resolution", 60, now, now, "missed", timedelta(minutes=-5)),
              services.Clock("response", 60, None, None, "paused", timedelta(hours=26)),
              services.Clock("resolution", 60, now, None, "breached", timedelta(0)),
              services.Clock("response", 60, now, None, "running", timedelta(minutes=7))]
    with tenant_context(world.alpha), translation.override(language):
        for priority in ("P1", "P3"):
            busy.priority = priority
            _same("sla.html", {"clocks": clocks, "ticket": busy},
                  screen.service_level(clocks, busy))


@LANGUAGES
def test_the_customer_panel_and_the_replacements(world, busy, language):
    others = [{"pk": 7, "reference": "T-000007", "priority": "P1", "subject": TRICKY,
               "status_label": "New"}]
    rmas = [{"pk": 3, "reference": "RMA-000003", "serial": "SN<1>", "status_label": "Shipped"}]
    panels = [
        {"contract_id": 4, "contract_end": timezone.now().date(), "categories": ["Voice", "A&B"],
         "open_count": 1, "open_tickets": others, "device_coverage": Coverage(covered=True)},
        {"contract_id": None, "contract_end": None, "categories": [], "open_count": 1234,
         "open_tickets": [],
         "device_coverage": Coverage(covered=False, reasons=(Reason.NO_ACTIVE_CONTRACT,))},
    ]
    with tenant_context(world.alpha), translation.override(language):
        busy.customer.name = TRICKY
        for panel in panels:
            for partner in (None, world.alpha):
                for recent in (rmas, []):
                    _same("customer_panel.html", {"ticket": busy, "panel": panel,
                                                  "recent_rmas": recent, "partner": partner},
                          screen.customer_panel(busy, panel, recent, partner))
                _same("own_replacements.html", {"rmas": rmas, "partner": partner},
                      screen.own_replacements(rmas, partner))


@LANGUAGES
def test_the_history(world, busy, language):
    from decimal import Decimal

    from django.template.loader import render_to_string as render
    from django.utils.translation import gettext_lazy

    from portal.audit import AuditEntry, history_card

    when = timezone.now()
    entries = [
        AuditEntry(when=when, who="Ann <Support>", subject=gettext_lazy("Ticket"),
                   action=gettext_lazy("changed"),
                   changes=[(gettext_lazy("status"), "New", "In progress & <b>"),
                            ("resolved", when, None), ("count", 0, Decimal("1.5"))]),
        AuditEntry(when=when, who="x", subject="Ticket", action="created"),
    ]
    with tenant_context(world.alpha), translation.override(language):
        for history in (entries, services.ticket_history(busy), []):
            assert str(history_card(history)) == render("includes/history.html",
                                                        {"history": history})


@LANGUAGES
def test_a_pages_form_is_shared_by_the_pages_of_the_same_state_only(world, language):
    """The page's unbound form is shared (views.screen_form): by two tickets showing the
    same values to the same kind of reader, never by pages that differ in a value shown,
    where the reader may move the ticket, whom it may be assigned to, or the reader."""
    from tickets.forms import ScreenState, TicketScreenForm

    agent, admin = world["alpha_agent"].user, world["alpha_admin"].user
    customer_user = world["alpha_customer1"].user

    def written(form):
        return f"{screen.reply_fields(form)}{screen.sidebar_fields(form)}" \
               f"{screen.sidebar_fields(form, 'No <letter>.')}"

    def own(ticket, user, assignees):
        # A form of its own, as each page built before forms were shared.
        return TicketScreenForm(state=ScreenState.of(
            ticket, user, statuses=services.allowed_statuses(ticket, user),
            levels=services.allowed_levels(ticket, user) if not user.is_customer_user
            else (), assignees=assignees))

    with tenant_context(world.alpha), translation.override(language):
        staff = services.assignable_staff()
        ticket, twin = (Ticket.objects.select_related("customer").get(
            pk=open_for(world, site_id=site_id).pk) for site_id in ("AL-0001", "AL-0002"))
        form = screen_form(ticket, agent, assignees=staff)
        assert screen_form(twin, agent, assignees=staff) is form
        assert screen_form(ticket, admin, assignees=staff) is form
        assert written(form) == written(own(ticket, agent, staff))
        assert screen_form(ticket, agent) is not form  # the assignees' query: not shared
        reader = screen_form(ticket, customer_user)
        assert reader is not form and "internal" not in reader.fields
        assert written(reader) == written(own(ticket, customer_user, None))

        seen = {written(form)}
        for change, shown in (
                ({"priority": "P1"}, '<option value="P1" selected>'),
                ({"category": "hardware"}, '<option value="hardware" selected>'),
                ({"status": "in_progress"}, '<option value="in_progress" selected>'),
                ({"assignee": agent}, f'<option value="{agent.pk}" selected>'),
                # The agent may not hand it back: the level becomes a fact of the sidebar.
                ({"escalation_level": "vendor"}, None),
                ({"cloud_partner": "zoom"}, '<option value="zoom" selected>'),
                ({"cloud_findings": "Echo <on> the line"}, "Echo &lt;on&gt; the line"),
                ({"cloud_status": "open"}, 'name="cloud_notice"'),
                ({"status": "closed"}, None)):
            changed = Ticket.objects.select_related("customer").get(pk=twin.pk)
            for name, value in change.items():
                setattr(changed, name, value)
            other = screen_form(changed, agent, assignees=staff)
            assert other is not form, change
            assert written(other) == written(own(changed, agent, staff)), change
            assert written(other) not in seen, change
            seen.add(written(other))
            if shown:
                assert shown in written(other), change
        agent.first_name = "Renamed <agent>"
        renamed = screen_form(ticket, agent, assignees=[agent, *staff[1:]])
        assert renamed is not form and "Renamed &lt;agent&gt;" in written(renamed)
