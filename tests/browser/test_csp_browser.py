"""The Content-Security-Policy in a real Chromium: every page of the console and of a
partner's portal renders without a single refusal, and a refusal does fail a test."""

import pytest

from tests.browser.test_contract_browser import current_totp
from tests.browser.test_login_browser import chromium_page, sign_in
from tests.personas import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

CONSOLE_PAGES = {
    "vendor.admin@vendor.example": ["/", "/partners/", "/partners/alpha/",
                                    "/partners/alpha/branding/", "/partners/alpha/customers/",
                                    "/catalogue/", "/catalogue/parts/", "/staff/", "/profile/",
                                    "/accounts/2fa/"],
    "csm@vendor.example": ["/customers/", "/reports/", "/reports/quotes/"],
    "engineer@vendor.example": ["/escalations/", "/replacements/"],
}
PARTNER_PAGES = ["/", "/customers/", "/contracts/", "/devices/", "/devices/register/",
                 "/tickets/", "/tickets/new/", "/rma/", "/rma/new/", "/reports/", "/users/",
                 "/branding/", "/webhooks/", "/profile/", "/profile/tokens/",
                 "/accounts/2fa/", "/api/v1/docs"]


def sign_in_with_code(page, url, schema, email):
    page.goto(url)
    sign_in(page, email, PASSWORD)
    page.fill("input[name=code]", current_totp(schema, email))
    page.click("form[method=post] button[type=submit]")
    page.wait_for_load_state()


def visit(page, url):
    response = page.goto(url)
    assert response.ok, f"{url}: {response.status}"
    page.wait_for_load_state("networkidle")
    return response


def test_a_refused_inline_style_fails_the_browser_tests(portal_server):
    with chromium_page(check_csp=False) as page:
        response = visit(page, portal_server.url("alpha.localhost", "/accounts/login/"))
        policy = response.headers["content-security-policy"]
        assert "default-src 'self'" in policy and "'nonce-" in policy
        assert "unsafe-inline" not in policy
        assert page.csp_violations == []

        page.evaluate("document.body.setAttribute('style', 'background: red')")
        page.wait_for_timeout(250)

        assert any("style-src" in violation for violation in page.csp_violations)


def test_the_consoles_pages_show_without_violations(portal_server):
    host = "localhost"
    for email, paths in CONSOLE_PAGES.items():
        with chromium_page() as page:
            sign_in_with_code(page, portal_server.url(host, "/accounts/login/"), "public", email)
            for path in paths:
                visit(page, portal_server.url(host, path))


def test_a_partners_pages_show_without_violations(portal_server):
    host = "alpha.localhost"
    with chromium_page() as page:
        sign_in_with_code(page, portal_server.url(host, "/accounts/login/"), "alpha",
                          "admin@alpha.example")
        for path in PARTNER_PAGES:
            visit(page, portal_server.url(host, path))
