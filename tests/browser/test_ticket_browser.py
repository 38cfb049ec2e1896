"""A customer opens a ticket by its Site ID, the partner's agent escalates it, the vendor's
engineer answers from the console, and the customer reads the answer."""

import pytest

from tests.browser.test_contract_browser import current_totp
from tests.browser.test_login_browser import ARTIFACTS, chromium_page, sign_in
from tests.personas import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

SUBJECT = "Salle Rhône : écran noir au démarrage"
ANSWER = "Mettez à jour le micrologiciel en 10.2 puis redémarrez la salle."


def test_a_ticket_goes_from_the_customer_to_the_vendor_and_back(portal_server):
    portal = "beta.localhost"
    with chromium_page() as page:
        # The customer user: the Site ID is theirs, no serial number needed.
        page.goto(portal_server.url(portal, "/accounts/login/"))
        sign_in(page, "user2@customer.beta.example", PASSWORD)
        page.goto(portal_server.url(portal, "/tickets/new/"))
        assert "BE-0002" in page.inner_text("main form")
        page.fill("input[name=subject]", SUBJECT)
        page.fill("textarea[name=description]", "L'écran reste noir depuis ce matin.")
        page.select_option("select[name=priority]", "P2")
        page.click("main form button[type=submit]")
        page.wait_for_load_state()
        ticket_url = page.url
        reference = page.inner_text("main h1").split(" ")[0]
        assert reference.startswith("T-")
        page.context.clear_cookies()

        # The partner's agent hands it to vendor support, saying why.
        page.goto(portal_server.url(portal, "/accounts/login/"))
        sign_in(page, "agent@beta.example", PASSWORD)
        page.goto(ticket_url)
        page.click("#ticket-update details:has(select[name=level]) summary")
        page.select_option("#ticket-update select[name=level]", "vendor")
        page.fill("#ticket-update textarea[name=reason]",
                  "Panne reproductible après la mise à jour.")
        page.click("#ticket-update button[name=update]")
        page.wait_for_load_state()
        assert "Support constructeur" in page.inner_text("main") or \
            "Vendor support" in page.inner_text("main")
        page.context.clear_cookies()

        # The vendor's engineer finds it in the console's queue and answers.
        console = "localhost"
        page.goto(portal_server.url(console, "/accounts/login/"))
        sign_in(page, "engineer@vendor.example", PASSWORD)
        page.fill("input[name=code]", current_totp("public", "engineer@vendor.example"))
        page.click("form[method=post] button[type=submit]")
        page.wait_for_url(portal_server.url(console, "/"))
        page.goto(portal_server.url(console, "/escalations/"))
        page.click(f"text={reference}")
        page.wait_for_load_state()
        assert SUBJECT in page.inner_text("main h1")
        page.fill("#ticket-update textarea[name=body]", ANSWER)
        page.click("#ticket-update button[name=update]")
        page.wait_for_load_state()
        assert ANSWER in page.inner_text("main")
        page.context.clear_cookies()

        # The customer reads the public answer on their own portal.
        page.goto(portal_server.url(portal, "/accounts/login/"))
        sign_in(page, "user2@customer.beta.example", PASSWORD)
        page.goto(ticket_url)
        conversation = page.inner_text("main")
        assert ANSWER in conversation
        assert "Panne reproductible" not in conversation  # the escalation reason is internal
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=ARTIFACTS / "beta-ticket-answered.png", full_page=True)


def open_ticket(page, portal_server, portal, subject, priority):
    page.goto(portal_server.url(portal, "/tickets/new/"))
    page.fill("input[name=site_id]", "BE-0001")
    page.fill("input[name=subject]", subject)
    page.fill("textarea[name=description]", "Seen in the browser test.")
    page.select_option("select[name=priority]", priority)
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    return page.url, page.inner_text("main h1").split(" ")[0]


def test_one_update_moves_the_ticket_and_the_queue_shows_it_in_its_new_place(portal_server):
    """An agent answers, takes the ticket to P1 and in progress and assigns it to the
    partner's administrator with one Update; the queue then ranks it first. On Beta, where
    the browser tests write: the other tests count Alpha's rows."""
    portal = "beta.localhost"
    tag = "Queue-7Q"
    with chromium_page() as page:
        page.set_viewport_size({"width": 1366, "height": 768})
        page.goto(portal_server.url(portal, "/accounts/login/"))
        sign_in(page, "agent@beta.example", PASSWORD)
        open_ticket(page, portal_server, portal, f"{tag} projector flickers", "P3")
        ticket_url, reference = open_ticket(page, portal_server, portal,
                                            f"{tag} room phone dead", "P4")

        def queue():
            page.goto(portal_server.url(portal, f"/tickets/?q={tag}"))
            return [row.inner_text() for row in page.query_selector_all("main tbody tr")]

        assert reference not in queue()[0]  # a P4 waits behind the P3

        # One Update: the reply, in progress, P1, assigned to the partner's administrator.
        page.goto(ticket_url)
        page.fill("#ticket-update textarea[name=body]", "A new handset ships today.")
        page.select_option("#ticket-update select[name=status]", "in_progress")
        page.select_option("#ticket-update select[name=priority]", "P1")
        admin = page.eval_on_selector_all(
            "#ticket-update select[name=assignee] option",
            "options => options.map(o => [o.value, o.textContent])")
        page.select_option("#ticket-update select[name=assignee]",
                           next(value for value, label in admin if "Admin" in label))
        page.click("#ticket-update button[name=update]")
        page.wait_for_load_state()
        main = page.inner_text("main")
        assert "A new handset ships today." in main
        sidebar = page.locator("#ticket-update aside")
        assert sidebar.locator("select[name=status]").input_value() == "in_progress"
        assert sidebar.locator("select[name=priority]").input_value() == "P1"
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=ARTIFACTS / "beta-ticket-one-update.png", full_page=True)

        # The queue now ranks it first: its P1 resolution is due within hours.
        rows = queue()
        assert reference in rows[0] and "restantes (résolution)" in rows[0]
        assert "Admin" in rows[0] and "En cours" in rows[0]
        page.goto(portal_server.url(portal, f"/tickets/?status=open&assignee=none&q={tag}"))
        assert reference not in page.inner_text("main")
        page.goto(portal_server.url(portal, f"/tickets/?q={tag}"))
        page.screenshot(path=ARTIFACTS / "beta-ticket-queue.png", full_page=True)
