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
        page.select_option("form[action$='/escalate/'] select[name=to_level]", "vendor")
        page.fill("form[action$='/escalate/'] textarea[name=reason]",
                  "Panne reproductible après la mise à jour.")
        page.click("form[action$='/escalate/'] button[type=submit]")
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
        page.fill("form[action$='/comment/'] textarea[name=body]", ANSWER)
        page.click("form[action$='/comment/'] button[type=submit]")
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
