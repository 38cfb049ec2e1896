"""A partner administrator, second factor and all, sets up a customer and its contract."""

import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django_tenants.utils import schema_context

from tests.browser.test_login_browser import ARTIFACTS, chromium_page, sign_in
from tests.personas import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db]


_used_windows = set()


def current_totp(schema, email):
    """A code of the current 30-second window; a code is accepted once, so a second sign-in
    by the same person waits for the next window."""
    with schema_context(schema):
        authenticator = Authenticator.objects.get(user__email=email,
                                                  type=Authenticator.Type.TOTP)
        secret = authenticator.data["secret"]
    window = int(time.time()) // 30
    # A code read near the end of its window may reach the server in the next one, where it
    # no longer counts: wait for a fresh window then too.
    if (email, window) in _used_windows or (window + 1) * 30 - time.time() < 5:
        time.sleep((window + 1) * 30 - time.time() + 0.5)
        window = int(time.time()) // 30
    _used_windows.add((email, window))
    return format_hotp_value(hotp_value(secret, window))


def test_partner_admin_creates_a_customer_and_an_active_two_category_contract(portal_server):
    host = "beta.localhost"
    with chromium_page() as page:
        page.goto(portal_server.url(host, "/accounts/login/"))
        sign_in(page, "admin@beta.example", PASSWORD)
        # Partner administrators must pass their second factor.
        assert "/accounts/2fa/authenticate/" in page.url
        page.fill("input[name=code]", current_totp("beta", "admin@beta.example"))
        page.click("form[method=post] button[type=submit]")
        page.wait_for_url(portal_server.url(host, "/"))

        page.goto(portal_server.url(host, "/customers/new/"))
        page.fill("input[name=name]", "Clinique des Lilas")
        page.fill("input[name=site_id]", "be-7001")
        page.fill("input[name=city]", "Bordeaux")
        page.select_option("select[name=country]", "FR")
        page.select_option("select[name=time_zone]", "Europe/Paris")
        page.select_option("select[name=language]", "fr")
        page.click("main form button[type=submit]")
        page.wait_for_load_state()
        assert "BE-7001" in page.inner_text("main")

        page.click("text=Nouveau contrat")
        page.wait_for_load_state()
        page.fill("input[name=start]", "2027-01-01")
        page.fill("input[name=end]", "2027-12-31")
        page.check("input[name=headsets_covered]")
        page.fill("input[name=headsets_installed]", "40")
        page.fill("input[name=headsets_annual_price]", "22.00")
        page.check("input[name=video_covered]")
        page.fill("input[name=video_installed]", "10")
        page.fill("input[name=video_growth]", "1")
        page.fill("input[name=video_annual_price]", "295.00")
        page.click("main form button[type=submit]")
        page.wait_for_load_state()
        assert "Brouillon" in page.inner_text("main")

        page.click("main form[action$='/activate/'] button")
        page.wait_for_load_state()
        main = page.inner_text("main")
        assert "Actif" in main
        rows = page.eval_on_selector_all(
            "main #categories table tbody tr",
            "rows => rows.map(r => Array.from(r.cells).map(c => c.innerText.trim()))")
        by_category = {row[0]: row for row in rows if len(row) >= 5}
        headsets = next(row for name, row in by_category.items() if name.startswith("Casques"))
        video = next(row for name, row in by_category.items() if name.startswith("Vidéo"))
        # installed, growth, true-ups, ordered, baseline
        assert headsets[1:6] == ["40", "0", "0", "40", "42"]  # baseline 40 × 1.05
        assert video[1:6] == ["10", "1", "0", "11", "12"]  # 11 × 1.05 = 11.55, rounded up
        assert "Version 1" in main
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=ARTIFACTS / "beta-contract.png", full_page=True)
