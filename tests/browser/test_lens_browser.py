"""An agent uploads a Poly Lens export and watches the import reach 100 %."""

import pytest

from inventory.lens.export import export_bytes
from tests.browser.test_login_browser import ARTIFACTS, chromium_page, sign_in
from tests.personas import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db]


def test_agent_uploads_a_lens_export_and_watches_the_progress(portal_server, tmp_path):
    export = tmp_path / "lens-export.csv"
    export.write_bytes(export_bytes(3000, site_id="BE-0002", seed=7, french=True))
    host = "beta.localhost"
    with chromium_page() as page:
        page.goto(portal_server.url(host, "/accounts/login/"))
        sign_in(page, "agent@beta.example", PASSWORD)
        page.wait_for_url(portal_server.url(host, "/"))

        page.goto(portal_server.url(host, "/devices/imports/new/"))
        page.select_option("select[name=customer]", label="Beta Client Deux (BE-0002)")
        page.set_input_files("input[name=file]", str(export))
        page.click("main form button[type=submit]")
        # The upload answers at once with the import's page, which follows the worker.
        page.wait_for_url("**/devices/imports/*/")
        page.wait_for_selector("#lens-import-progress:not([hx-get])", timeout=90_000)
        card = page.inner_text("#lens-import-progress")
        assert "3000" in card.replace("\u202f", "").replace(" ", "")
        assert page.locator("#lens-import-progress progress").count() == 0
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=ARTIFACTS / "beta-lens-import.png", full_page=True)
