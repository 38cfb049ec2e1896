"""Signing in through a real Chromium against a real server, per partner host."""

import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.personas import PASSWORD

# django_db makes pytest-django create the test database that the server uses; without a
# test that asks for it, `django_db_setup` would stay on the configured database.
pytestmark = [pytest.mark.browser, pytest.mark.django_db]

# Playwright's own browser download is unavailable here: drive the system Chromium.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


# Runs in every document before its own scripts: each Content-Security-Policy violation the
# page reports reaches the test through an exposed function.
WATCH_CSP = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.reportCspViolation(
    `${event.effectiveDirective} refused ${event.blockedURI || "inline"} on ${event.documentURI}`
    + (event.sample ? `: ${event.sample}` : ""));
}, true);
"""


@contextmanager
def chromium_page(check_csp=True):
    """A page of the system Chromium; on leaving, fails the test if any page it showed
    reported a Content-Security-Policy violation (`page.csp_violations` lists them)."""
    executable = shutil.which("chromium")
    if executable is None:
        # `make test` installs it beforehand or stops: never a silent skip.
        pytest.fail("Chromium is not installed (Debian: apt-get install chromium).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.set_default_timeout(15_000)
            violations = []
            page.expose_function("reportCspViolation", lambda text: violations.append(text))
            page.add_init_script(WATCH_CSP)
            # Chromium also logs each refusal to the console, events or not.
            page.on("console", lambda message: violations.append(message.text) if (
                message.type == "error" and "Content Security Policy" in message.text) else None)
            page.csp_violations = violations
            yield page
            # The last page's events are dispatched after its load.
            page.wait_for_timeout(250)
            if check_csp and violations:
                pytest.fail("Content-Security-Policy violations:\n" + "\n".join(violations),
                            pytrace=False)
        finally:
            browser.close()


def sign_in(page, email, password):
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", password)
    # The button's label is translated on French partners' portals.
    page.click("form[method=post] button[type=submit]")
    page.wait_for_load_state()


def test_agent_signs_in_on_own_branded_portal(portal_server):
    login_url = portal_server.url("alpha.localhost", "/accounts/login/")
    with chromium_page() as page:
        page.goto(login_url)
        body = page.inner_text("body")
        assert "Alpha Communications" in body
        assert "Beta Réseaux" not in body

        sign_in(page, "agent@alpha.example", PASSWORD)

        page.wait_for_url(portal_server.url("alpha.localhost", "/"))
        topbar_colour = page.eval_on_selector(
            "header.topbar", "element => getComputedStyle(element).backgroundColor"
        )
        assert topbar_colour == "rgb(18, 52, 86)"  # Alpha's #123456
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=ARTIFACTS / "alpha-dashboard.png", full_page=True)


def test_agent_cannot_sign_in_on_another_partners_portal(portal_server):
    login_url = portal_server.url("beta.localhost", "/accounts/login/")
    with chromium_page() as page:
        page.goto(login_url)
        assert "Beta Réseaux" in page.inner_text("body")

        sign_in(page, "agent@alpha.example", PASSWORD)

        assert page.url == login_url
        assert page.locator("ul.errorlist[role=alert]").is_visible()
        assert page.locator("header.topbar nav").count() == 0
