"""The CSM publishes a monthly report; the customer downloads it from the branded portal;
the partner administrator accepts the true-up quote with a purchase order and the contract
shows the new baseline version."""

from datetime import date

import pytest
from django_tenants.utils import tenant_context

from tests.browser.test_contract_browser import current_totp
from tests.browser.test_login_browser import ARTIFACTS, chromium_page, sign_in
from tests.personas import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

CUSTOMER_EMAIL = "it@clinique-des-pins.example"


@pytest.fixture(scope="module")
def october_report(django_db_setup, django_db_blocker):
    """Committed, so that the server process sees it: a beta customer 20% above its
    ordered headsets in October 2026, assigned to the CSM, with its draft report."""
    from console.crossschema import assign_csm
    from contracts.models import Customer
    from inventory.models import InventorySnapshot, SnapshotCount
    from portal.tenants.models import Partner
    from portal.users.models import Role, User
    from reporting.models import MonthlyReport
    from reporting.services import generate_report
    from tests.personas import _user
    from tests.reporting.conftest import contract_for

    with django_db_blocker.unblock():
        beta = Partner.objects.get(slug="beta")
        with tenant_context(beta):
            customer, created = Customer.objects.get_or_create(
                site_id="BE-0090", defaults={"name": "Clinique des Pins", "language": "fr"})
            _user(CUSTOMER_EMAIL, Role.CUSTOMER_USER, customer=customer)
            if created:
                contract_for(customer, lines=(("headsets", 50, "20.00"),))
                snapshot = InventorySnapshot.objects.create(
                    customer=customer, taken_on=date(2026, 10, 20),
                    source=InventorySnapshot.Source.LENS)
                SnapshotCount.objects.create(snapshot=snapshot, category="headsets",
                                             covered=60)
                generate_report(customer, date(2026, 10, 1))
            report = MonthlyReport.objects.get(customer=customer, month=date(2026, 10, 1))
            contract_id = report.contract_id
        with tenant_context(Partner.objects.get(schema_name="public")):
            csm = User.objects.get(email="csm@vendor.example")
        assign_csm(beta, customer.pk, csm)
    yield {"report": report.pk, "contract": contract_id}
    # The rest of the suite counts assignments from a clean slate (and the console's index
    # with them).
    with django_db_blocker.unblock():
        assign_csm(beta, customer.pk, None)


def test_a_report_from_the_csm_to_the_customer_and_a_true_up_accepted(portal_server,
                                                                        october_report):
    console, portal = "localhost", "beta.localhost"
    with chromium_page() as page:
        page.goto(portal_server.url(console, "/accounts/login/"))
        sign_in(page, "csm@vendor.example", PASSWORD)
        page.fill("input[name=code]", current_totp("public", "csm@vendor.example"))
        page.click("form[method=post] button[type=submit]")
        page.wait_for_url(portal_server.url(console, "/"))
        page.goto(portal_server.url(console, f"/reports/beta/{october_report['report']}/"))
        assert "Clinique des Pins" in page.inner_text("main")
        page.fill("textarea[name=csm_notes]", "Le parc de casques a dépassé la commande.")
        page.click("form:has(input[value=notes]) button[type=submit]")
        page.wait_for_load_state()
        page.click("button[value=review]")
        page.wait_for_load_state()
        page.click("a[href$='/publish/']")
        page.wait_for_load_state()
        assert "Clinique des Pins" in page.inner_text("main")  # who is told
        page.click("button[value=publish]")
        page.wait_for_load_state()
        page.click("form:has(input[value=quote]) button[type=submit]")
        page.wait_for_load_state()
        assert "Q-" in page.inner_text("main")
        page.context.clear_cookies()

        page.goto(portal_server.url(portal, "/accounts/login/"))
        sign_in(page, CUSTOMER_EMAIL, PASSWORD)
        page.goto(portal_server.url(portal, "/reports/"))
        page.click("text=octobre 2026")
        page.wait_for_load_state()
        assert "Le parc de casques a dépassé la commande." in page.inner_text("main")
        with page.expect_download() as download:
            page.click("text=Télécharger le PDF")
        path = download.value.path()
        with open(path, "rb") as pdf:
            assert pdf.read(5) == b"%PDF-"
        page.context.clear_cookies()

        page.goto(portal_server.url(portal, "/accounts/login/"))
        sign_in(page, "admin@beta.example", PASSWORD)
        page.fill("input[name=code]", current_totp("beta", "admin@beta.example"))
        page.click("form[method=post] button[type=submit]")
        page.wait_for_url(portal_server.url(portal, "/"))
        page.goto(portal_server.url(portal, "/reports/"))
        page.click("main a:has-text('Q-')")
        page.wait_for_load_state()
        page.fill("input[name=po_number]", "BC-2026-118")
        page.click("form:has(input[value=accept]) button[type=submit]")
        page.wait_for_load_state()
        confirmation = page.inner_text("main")
        # The amount with its currency, in the French partner's format ("233,33 €").
        assert "BC-2026-118" in confirmation and "\u00a0€" in confirmation
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=ARTIFACTS / "beta-true-up-confirmation.png", full_page=True)
        page.click("form:has(input[name=confirmed]) button[type=submit]")
        page.wait_for_load_state()
        assert "BC-2026-118" in page.inner_text("main")
        page.goto(portal_server.url(portal, f"/contracts/{october_report['contract']}/"))
        contract_page = page.inner_text("main")
        assert "BC-2026-118" in contract_page and "60" in contract_page
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=ARTIFACTS / "beta-true-up-accepted.png", full_page=True)
