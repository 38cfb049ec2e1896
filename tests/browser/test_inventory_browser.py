"""A customer user registers a product and sees it covered by the active contract."""

import pytest

from tests.browser.test_login_browser import ARTIFACTS, chromium_page, sign_in
from tests.personas import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db]


def test_customer_user_registers_a_product_and_sees_it_covered(portal_server):
    host = "beta.localhost"
    with chromium_page() as page:
        page.goto(portal_server.url(host, "/accounts/login/"))
        sign_in(page, "user2@customer.beta.example", PASSWORD)
        page.wait_for_url(portal_server.url(host, "/"))

        page.goto(portal_server.url(host, "/devices/register/"))
        page.fill("input[name=serial]", "vt-2026-0001")
        page.fill("input[name=model]", "VOY-TEST")
        page.fill("input[name=site]", "Bordeaux")
        page.click("main form button[type=submit]")
        page.wait_for_load_state()

        heading = page.inner_text("main h1")
        assert "VT-2026-0001" in heading
        assert "Couvert" in heading  # the French partner's portal
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=ARTIFACTS / "beta-registered-device.png", full_page=True)
