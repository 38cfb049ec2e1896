"""Signing in through a real Chromium against a real server, per partner host."""

import os
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


@contextmanager
def chromium_page():
    executable = shutil.which("chromium")
    if executable is None:
        message = "Chromium is not installed (Debian: apt-get install chromium)."
        # On CI a missing browser must not pass silently as a skip.
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.set_default_timeout(15_000)
            yield page
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
