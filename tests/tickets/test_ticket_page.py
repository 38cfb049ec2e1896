"""The one-screen ticket: the conversation, a sidebar applied by one *Update* with the reply,
the escalation banner and the customer's panel."""

from datetime import date, timedelta
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import tenant_context

from portal.catalogue.models import Category
from tickets import services
from tickets.models import Ticket

from .test_tickets import open_for


def test_the_ticket_page_costs_the_same_queries_with_more_rows(world, query_count_baseline):
    ticket = open_for(world)
    open_for(world, subject="Another one")
    with tenant_context(world.alpha):
        agent = world["alpha_agent"].user
        services.add_comment(ticket, user=agent, body="First answer")
        services.escalate(ticket, user=agent, to_level="vendor", reason="Needs the vendor")
    client = world["alpha_agent"].client()
    with query_count_baseline("ticket page"):
        assert client.get(f"/tickets/{ticket.pk}/").status_code == 200
    with tenant_context(world.alpha):
        for number in range(6):
            services.add_comment(ticket, user=agent, body=f"Answer {number}",
                                 internal=number % 2 == 0)
            open_for(world, subject=f"Other {number}")
    with query_count_baseline("ticket page"):
        assert client.get(f"/tickets/{ticket.pk}/").status_code == 200


def test_one_update_changes_state_priority_assignee_and_adds_the_reply(world):
    ticket = open_for(world, site_id="AL-0001", priority="P3")
    agent, admin = world["alpha_agent"], world["alpha_admin"]
    client = agent.client()
    page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    main = page.split("<main")[1].split("</main>")[0]
    assert main.count("<form") == 2  # the watch button and the one Update form
    response = client.post(f"/tickets/{ticket.pk}/update/", {
        "body": "We are replacing the power supply.", "status": "in_progress",
        "priority": "P1", "category": "hardware", "assignee": str(admin.user.pk),
        "level": "partner"})
    assert response.status_code == 302
    with tenant_context(world.alpha):
        ticket.refresh_from_db()
        assert (ticket.status, ticket.priority, ticket.category, ticket.assignee_id) == (
            "in_progress", "P1", "hardware", admin.user.pk)
        assert ticket.comments.get().body == "We are replacing the power supply."
        # A P1 moves the targets: the resolution is now due within P1's hours.
        assert ticket.resolution_due_at <= ticket.created_at + timedelta(hours=24)
    page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "We are replacing the power supply." in page


def test_a_first_public_reply_assigns_the_unassigned_ticket(world):
    ticket = open_for(world)
    agent = world["alpha_agent"]
    agent.client().post(f"/tickets/{ticket.pk}/update/",
                        {"body": "Internal only", "internal": "on"})
    with tenant_context(world.alpha):
        ticket.refresh_from_db()
        assert ticket.assignee_id is None  # a note is not an answer
    agent.client().post(f"/tickets/{ticket.pk}/update/", {"body": "On it", "assignee": ""})
    with tenant_context(world.alpha):
        ticket.refresh_from_db()
        assert ticket.assignee_id == agent.user.pk


def test_an_update_that_breaks_a_rule_changes_nothing(world):
    ticket = open_for(world, priority="P3")
    client = world["alpha_agent"].client()
    # Escalating needs a reason: the reply and the new priority are not applied either.
    response = client.post(f"/tickets/{ticket.pk}/update/", {
        "body": "Sending it up", "priority": "P1", "level": "vendor", "reason": ""})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Say why." in page and "Sending it up</textarea>" in page
    with tenant_context(world.alpha):
        ticket.refresh_from_db()
        assert (ticket.priority, ticket.escalation_level, ticket.comments.count()) == (
            "P3", "partner", 0)


def test_the_banner_states_the_escalation_and_its_reason(world):
    ticket = open_for(world)
    client = world["alpha_agent"].client()
    client.post(f"/tickets/{ticket.pk}/update/",
                {"level": "vendor", "reason": "Firmware crash after 10.1"})
    page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    banner = page.split('class="notice notice--warning ticket-banner"')[1].split("</div>")[0]
    assert "Firmware crash after 10.1" in banner and "Vendor support" in banner
    customer_page = world["alpha_customer1"].client().get(f"/tickets/{ticket.pk}/")
    assert "Firmware crash after 10.1" not in customer_page.content.decode()


def test_the_customer_panel(world):
    ticket = open_for(world, site_id="AL-0001")
    client = world["alpha_agent"].client()
    before = client.get(f"/tickets/{ticket.pk}/").context["panel"]["open_count"]
    also = open_for(world, site_id="AL-0001", subject="Also open", priority="P1")
    open_for(world, site_id="AL-0002", subject="Another customer's")
    page = client.get(f"/tickets/{ticket.pk}/")
    panel = page.context["panel"]
    assert panel["open_count"] == before + 1
    # The most urgent first: a P1 due within hours is among the five shown.
    assert also.reference in [other["reference"] for other in panel["open_tickets"]]
    assert "Another customer" not in page.content.decode()
    assert "panel" not in world["alpha_customer1"].client().get(
        f"/tickets/{ticket.pk}/").context


def test_a_customer_user_replies_and_closes_in_one_update(world):
    ticket = open_for(world)
    with tenant_context(world.alpha):
        services.change_status(ticket, "resolved", user=world["alpha_agent"].user)
    client = world["alpha_customer1"].client()
    response = client.post(f"/tickets/{ticket.pk}/update/",
                           {"body": "Thanks, all good", "status": "closed",
                            "priority": "P1"})
    assert response.status_code == 302
    with tenant_context(world.alpha):
        ticket.refresh_from_db()
        # The priority is not theirs to change: the field is not even on their form.
        assert (ticket.status, ticket.priority) == ("closed", "P3")
        assert ticket.comments.get().body == "Thanks, all good"


def test_the_update_of_another_partners_or_customers_ticket_is_404(world):
    ticket = open_for(world, site_id="AL-0001")
    with tenant_context(world.beta):
        # Primary keys are per partner: only an id Beta has not used tells.
        assert not Ticket.objects.filter(pk=ticket.pk).exists()
    for persona in ("beta_admin", "beta_agent", "beta_customer1", "alpha_customer2"):
        response = world[persona].client().post(f"/tickets/{ticket.pk}/update/",
                                                {"body": "x", "status": "resolved"})
        assert response.status_code == 404, persona


def test_the_panel_says_whether_the_tickets_device_is_covered(setup, world):
    with tenant_context(world.alpha):
        covered, retired_model = (setup["device"]("SN-PANEL-1"),
                                  setup["device"]("SN-PANEL-2", product=setup["eol"]))
        tickets = [services.open_ticket(
            user=setup["agent"], customer=setup["customer"], subject="Device", description="x",
            category="hardware", priority="P3", device=device)
            for device in (covered, retired_model)]
    client = world["alpha_agent"].client()
    first, second = (client.get(f"/tickets/{ticket.pk}/") for ticket in tickets)
    assert first.context["panel"]["device_coverage"].covered
    assert first.context["panel"]["contract_id"] == setup["contract"].pk
    assert not second.context["panel"]["device_coverage"].covered
    assert "Not covered" in second.content.decode()


def test_the_ticket_page_writes_dates_in_the_partners_order(world):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from portal.tenants.models import Partner

    ticket = open_for(world, subject="Dated")
    with tenant_context(world.alpha):
        Ticket.objects.filter(pk=ticket.pk).update(
            created_at=datetime(2026, 3, 4, 13, 5, tzinfo=ZoneInfo("Europe/Paris")))
    client = world["alpha_agent"].client()
    # A UK partner: day first, 24-hour clock.
    page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "04/03/2026 13:05" in page
    Partner.objects.filter(pk=world.alpha.pk).update(date_order="mdy")
    page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "03/04/2026 1:05\u202fPM" in page or "03/04/2026 1:05 PM" in page
    assert "04/03/2026" not in page


def test_the_panel_reads_the_contract_lines_and_open_tickets_by_the_models_rules(setup,
                                                                                 world):
    """The panel's one statement against the querysets that state the rules: the active
    contract in force today and its lines, and the customer's other open tickets in the
    queue's order (most urgent first), never another customer's or a closed one."""
    from contracts.models import Contract, ContractLine, in_force_q
    from tests.factories import ContractFactory
    from tickets.models import next_due_expression

    customer = setup["customer"]
    ticket = open_for(world, site_id="AL-0001")
    with tenant_context(world.alpha):
        # Not in force today: a draft, and an active contract that starts next year.
        ContractFactory(customer=customer, start=date(2030, 1, 1), end=date(2030, 12, 31),
                        lines={"voice": (5, 0, Decimal("10.00"))})
        ContractFactory(customer=customer, status=Contract.Status.DRAFT,
                        lines={"voice": (5, 0, Decimal("10.00"))})
        agent = world["alpha_agent"].user
        others = [services.open_ticket(user=agent, customer=customer, subject=f"Other {n}",
                                       description="x", category="technical",
                                       priority=priority)
                  for n, priority in enumerate(["P4", "P1", "P3", "P2", "P1", "P4", "P3"])]
        services.change_status(others[0], "waiting", user=agent)
        services.change_status(others[1], "resolved", user=agent)
        services.add_comment(others[3], user=agent, body="First answer")
        open_for(world, site_id="AL-0002", subject="Another customer's")
        ticket = Ticket.objects.select_related("customer", "device").get(pk=ticket.pk)
        panel = services.customer_panel(ticket)

        today = customer.today()
        contract = (Contract.objects.active().in_force(today).filter(customer=customer)
                    .order_by("-start").first())
        lines = ContractLine.objects.filter(
            in_force_q(today, prefix="contract__"), contract__status=Contract.Status.ACTIVE,
            contract__customer=customer).order_by("category").values_list("category",
                                                                          flat=True)
        open_others = (Ticket.objects.open().filter(customer=customer).exclude(pk=ticket.pk)
                       .order_by(next_due_expression().asc(nulls_last=True), "-created_at"))
        assert (panel["contract_id"], panel["contract_end"]) == (contract.pk, contract.end)
        labels = dict(Category.choices)
        assert panel["categories"] == [labels[category] for category in lines] == [
            "Headsets and personal devices", "Video"]
        assert panel["open_count"] == open_others.count() == 6
        assert [other["reference"] for other in panel["open_tickets"]] == [
            other.reference for other in open_others[:5]]
        assert panel["open_tickets"][0]["reference"] == others[4].reference  # the P1
        assert panel["open_tickets"][0]["status_label"] == "New"


def test_the_replacements_of_a_ticket_come_first_then_the_customers_latest(setup, world):
    """Read with the clock's pauses and the escalations (ticket_page_rows)."""
    from tickets.models import Rma

    customer = setup["customer"]
    ticket, other = open_for(world, site_id="AL-0001"), open_for(world, site_id="AL-0001")
    with tenant_context(world.alpha):
        start = timezone.now() - timedelta(days=40)
        for number in range(30):
            device = setup["device"](f"SN-RMA-{number:03d}")
            Rma.objects.create(
                ticket=ticket if number in (0, 7) else other, customer=customer,
                device=device, product_model=device.product_model, category="headsets",
                fault="x", requested_at=start + timedelta(days=number), ship_to_country="FR",
                promised_ship_date=start.date(),
                status="closed" if number % 3 else "requested")
        rows = services.ticket_page_rows(ticket, staff=True)
        own, latest = rows.own_rmas, rows.recent_rmas
        expected_own = list(Rma.objects.filter(ticket=ticket).order_by("-requested_at", "-pk"))
        expected_latest = list(Rma.objects.filter(customer=customer)
                               .order_by("-requested_at", "-pk")[:5])
    assert [(rma["reference"], rma["serial"]) for rma in own] == [
        (rma.reference, rma.device.serial) for rma in expected_own] == [
        (expected_own[0].reference, "SN-RMA-007"), (expected_own[1].reference, "SN-RMA-000")]
    assert [rma["reference"] for rma in latest] == [rma.reference for rma in expected_latest]
    assert [rma["status_label"] for rma in latest] == [
        rma.get_status_display() for rma in expected_latest]


def test_the_page_reads_the_pauses_and_escalation_steps_as_the_models_hold_them(world):
    ticket = open_for(world, site_id="AL-0001")
    with tenant_context(world.alpha):
        agent = world["alpha_agent"].user
        services.change_status(ticket, "waiting", user=agent)
        services.change_status(ticket, "in_progress", user=agent)
        services.change_status(ticket, "waiting", user=agent)
        services.escalate(ticket, user=agent, to_level="vendor", reason="Needs <them>")
        rows = services.ticket_page_rows(ticket, staff=True)
        assert rows.pauses == [(pause.started_at, pause.ended_at)
                               for pause in ticket.pauses.all()]
        assert len(rows.pauses) == 2 and rows.pauses[1][1] is None
        fields = ("pk", "from_level", "to_level", "actor_name", "from_vendor", "reason",
                  "created_at", "is_escalation")
        assert [[getattr(step, name) for name in fields] for step in rows.escalations] == [
            [getattr(step, name) for name in fields] for step in ticket.escalations.all()]
        assert rows.escalations[0].get_to_level_display() == "Vendor support"
        # A customer user's page does not read them.
        assert services.ticket_page_rows(ticket, staff=False).escalations == []


def _head_and_facts(page):
    head = page.split('action="/tickets/')[1].split("</form>")[0]
    facts = page.split('<dl class="details">')[1].split("</dl>")[0]
    return head, facts


def test_the_page_says_who_follows_who_opened_and_who_has_the_ticket(world):
    ticket = open_for(world, site_id="AL-0001")
    agent, admin = world["alpha_agent"], world["alpha_admin"]
    with tenant_context(world.alpha):
        services.set_watching(ticket, admin.user, True)
        Ticket.objects.filter(pk=ticket.pk).update(assignee=admin.user)
    head, facts = _head_and_facts(agent.client().get(f"/tickets/{ticket.pk}/").content.decode())
    # The agent opened it, so follows it too.
    assert 'value="0"' in head and "2 people follow this ticket" in head
    assert "Stop following" in head
    assert agent.user.display_name in facts
    customer_page = world["alpha_customer1"].client().get(f"/tickets/{ticket.pk}/")
    head, facts = _head_and_facts(customer_page.content.decode())
    assert 'value="1"' in head and ">Follow<" in head and "2 people follow" in head
    # Vendor support states the assignee, which partner staff choose in the sidebar.
    with tenant_context(world.alpha):
        services.escalate(ticket, user=agent.user, to_level="vendor", reason="Needs them")
    page = world["support_engineer"].client().get(
        f"/escalations/alpha/{ticket.pk}/").content.decode()
    facts = page.split('<dl class="details">')[1].split("</dl>")[0]
    assert admin.user.display_name in facts and agent.user.display_name in facts


def test_the_page_reads_the_messages_each_reader_may_see_with_their_files(world):
    """The thread of ticket_page_rows is visible_comments': internal notes for staff only,
    oldest first, each with its attachments."""
    from tickets.models import Attachment, Comment

    ticket = open_for(world, site_id="AL-0001")
    with tenant_context(world.alpha):
        agent, customer = world["alpha_agent"].user, world["alpha_customer1"].user
        services.add_comment(ticket, user=customer, body="It <still> fails")
        note = services.add_comment(ticket, user=agent, body="Internal", internal=True)
        services.add_comment(ticket, user=agent, body="Fixed\nsecond line")
        Comment.objects.filter(pk=note.pk).update(created_at=timezone.now() - timedelta(days=1))
        for name in ("b.log", "a.log"):
            Attachment.objects.create(comment=note, file="x", filename=name, size=3,
                                      content_type="text/plain")
        fields = ("pk", "author_name", "from_vendor", "body", "internal", "created_at")
        for user, staff in ((agent, True), (customer, False)):
            read = services.ticket_page_rows(ticket, staff=staff).comments
            expected = list(services.visible_comments(ticket, user))
            assert [[getattr(c, name) for name in fields] for c in read] == [
                [getattr(c, name) for name in fields] for c in expected]
            assert [[(f.pk, f.filename, f.size) for f in c.files] for c in read] == [
                [(f.pk, f.filename, f.size) for f in c.attachments.all()] for c in expected]
            assert len(read) == (3 if staff else 2)
        assert [f.filename for f in services.ticket_page_rows(
            ticket, staff=True).comments[0].files] == ["b.log", "a.log"]


def test_the_page_reads_the_change_history_as_the_history_records_it(world):
    ticket = open_for(world, site_id="AL-0001", priority="P3")
    with tenant_context(world.alpha):
        agent, admin = world["alpha_agent"].user, world["alpha_admin"].user
        services.apply_update(ticket, user=agent, priority="P1", assignee=admin,
                              category="hardware")
        services.escalate(ticket, user=agent, to_level="vendor", reason="Needs them")
        services.change_status(ticket, "resolved", user=agent)
        ticket.refresh_from_db()
        # Who acted is the request's user, which these calls have not.
        Ticket.history.model.objects.filter(id=ticket.pk).update(history_user=admin)
        rows = services.ticket_page_rows(ticket, staff=True)
        assert len(rows.history) >= 4
        assert {entry.who for entry in services.ticket_history(ticket, rows.history)} == {
            admin.email}
        read, expected = (services.ticket_history(ticket, rows.history),
                          services.ticket_history(ticket))
        assert [(e.when, e.who, str(e.subject), str(e.action),
                 [tuple(map(str, change)) for change in e.changes]) for e in read] == [
            (e.when, e.who, str(e.subject), str(e.action),
             [tuple(map(str, change)) for change in e.changes]) for e in expected]
        changed = {str(label) for entry in read for label, _, _ in entry.changes}
        assert {"priority", "assignee", "escalation level", "status"} <= changed
        assert services.ticket_page_rows(ticket, staff=False).history == []
        # The names of the history's assignees come with the page's rows: no query more.
        with CaptureQueriesContext(connection) as queries:
            named = services.ticket_history(ticket, rows.history, rows.people)
        assert queries.captured_queries == []
        assert [entry.changes for entry in named] == [entry.changes for entry in read]
        assert any(str(admin) in changes for entry in named for changes in entry.changes)


def test_the_cloud_partners_notices_come_with_the_pages_rows(world):
    from tickets.models import CloudNotice

    ticket = open_for(world, site_id="AL-0001", priority="P3")
    with tenant_context(world.alpha):
        assert services.ticket_page_rows(ticket, staff=True).cloud_notices == []
        Ticket.objects.filter(pk=ticket.pk).update(cloud_partner=Ticket.CloudPartner.ZOOM)
        ticket.refresh_from_db()
        for body in ("Investigating", "Fixed"):
            CloudNotice.objects.create(ticket=ticket, body=body, author_name="Cloud desk")
        read = services.ticket_page_rows(ticket, staff=False).cloud_notices
        expected = list(ticket.cloud_notices.all())
        assert [(n.pk, n.body, n.author_name, n.created_at) for n in read] == [
            (n.pk, n.body, n.author_name, n.created_at) for n in expected]


def test_the_sidebar_offers_the_assignable_staff_read_with_the_page(world):
    """Whom the page offers to assign are assignable_staff: active partner staff, neither
    an integration's account nor a customer user."""
    from portal.users.models import User

    ticket = open_for(world, site_id="AL-0001")
    with tenant_context(world.alpha):
        User.all_objects.create(email="integration@alpha.example", first_name="Sync",
                                role="partner_admin", is_service_account=True)
        User.all_objects.create(email="gone@alpha.example", role="partner_agent",
                                is_active=False)
        User.all_objects.create(email="aaron@alpha.example", first_name="Aaron",
                                role="partner_agent")
        rows = services.ticket_page_rows(ticket, staff=True, assignees=True)
        assert [person.pk for person in rows.assignees] == [
            person.pk for person in services.assignable_staff()]
        assert [person.display_name for person in rows.assignees][0] == "Aaron"
        assert services.ticket_page_rows(ticket, staff=True).assignees is None
        # The same select as the field's own query writes.
        from portal.lists import form_field
        from tickets.views import screen_form

        agent = world["alpha_agent"].user
        Ticket.objects.filter(pk=ticket.pk).update(assignee=agent)
        ticket.refresh_from_db()
        assert form_field(screen_form(ticket, agent, assignees=rows.assignees)["assignee"]) \
            == form_field(screen_form(ticket, agent)["assignee"])
    page = world["alpha_agent"].client().get(f"/tickets/{ticket.pk}/").content.decode()
    select = page.split('name="assignee"')[1].split("</select>")[0]
    assert "Aaron" in select and "Sync" not in select and "gone@" not in select
