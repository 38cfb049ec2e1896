"""A customer requests an advance replacement and sees the promised ship date; the vendor's
engineer approves and ships it; the customer's device list shows the replacement."""

import pytest

from tests.browser.test_contract_browser import current_totp
from tests.browser.test_login_browser import ARTIFACTS, chromium_page, sign_in
from tests.personas import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db]


def test_a_customer_gets_a_replacement_shipped_by_the_vendor(portal_server):
    portal = "beta.localhost"
    with chromium_page() as page:
        page.goto(portal_server.url(portal, "/accounts/login/"))
        sign_in(page, "user2@customer.beta.example", PASSWORD)
        # A covered headset of the customer (BE-0002 has an active headsets contract).
        page.goto(portal_server.url(portal, "/devices/register/"))
        page.fill("input[name=serial]", "rma-2026-0001")
        page.fill("input[name=model]", "VOY-TEST")
        page.click("main form button[type=submit]")
        page.wait_for_load_state()

        page.goto(portal_server.url(portal, "/rma/new/"))
        promised = page.inner_text("#ship-date strong")
        page.fill("input[name=serial]", "RMA-2026-0001")
        page.fill("textarea[name=fault]", "Le casque ne charge plus.")
        page.locator("#rma-preview .notice").first.wait_for()
        assert "RMA-2026-0001" in page.inner_text("#rma-preview")
        page.click("main form button[type=submit]")
        page.wait_for_load_state()
        reference = page.inner_text("main h1").split(" ")[0]
        assert reference.startswith("RMA-")
        assert promised and promised in page.inner_text("main dl")
        page.context.clear_cookies()

        console = "localhost"
        page.goto(portal_server.url(console, "/accounts/login/"))
        sign_in(page, "engineer@vendor.example", PASSWORD)
        page.fill("input[name=code]", current_totp("public", "engineer@vendor.example"))
        page.click("form[method=post] button[type=submit]")
        page.wait_for_url(portal_server.url(console, "/"))
        page.goto(portal_server.url(console, "/replacements/"))
        page.click(f"text={reference}")
        page.wait_for_load_state()
        page.select_option("select[name=status]", "approved")
        page.click("main form button[type=submit]")
        page.wait_for_load_state()
        page.select_option("select[name=status]", "shipped")
        page.fill("input[name=carrier]", "DHL Express")
        page.fill("input[name=tracking_number]", "JD014600006281230")
        page.fill("input[name=replacement_serial]", "rma-2026-9001")
        page.click("main form button[type=submit]")
        page.wait_for_load_state()
        assert "RMA-2026-9001" in page.inner_text("main")
        page.context.clear_cookies()

        page.goto(portal_server.url(portal, "/accounts/login/"))
        sign_in(page, "user2@customer.beta.example", PASSWORD)
        page.goto(portal_server.url(portal, "/devices/?q=RMA-2026"))
        devices = page.inner_text("main table")
        assert "RMA-2026-9001" in devices and "RMA-2026-0001" in devices
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=ARTIFACTS / "beta-rma-replacement.png", full_page=True)
