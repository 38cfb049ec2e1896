"""On a phone (390×844, and the narrowest common width, 360) every role's main pages fit the
screen: nothing scrolls sideways, a list row shows its identifier and status without
scrolling, and the menu opens from its button. On a desktop the menu stays inline and lists
stay tables. Each page's screenshot is kept under test-artifacts/screenshots/."""

from datetime import date

import pytest
from django_tenants.utils import tenant_context

from tests.browser.test_contract_browser import current_totp
from tests.browser.test_login_browser import ARTIFACTS, chromium_page, sign_in
from tests.personas import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

PHONE = {"width": 390, "height": 844}
NARROW_PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1366, "height": 768}
SCREENSHOTS = ARTIFACTS / "screenshots"

PORTAL, CONSOLE = "beta.localhost", "localhost"
SITE_ID = "BE-0390"
CUSTOMER_EMAIL = "mobile@clinique-du-lac.example"
# Long words and names, as real ones are: they must wrap rather than widen the page.
SUBJECT = ("Salle Léman : le casque se déconnecte toutes les dix minutes pendant les "
           "visioconférences")
SERIAL = "LAC-VOYAGER-0001234567890"


@pytest.fixture(scope="module")
def phone_world(django_db_setup, django_db_blocker):
    """Committed, so that the server process sees it: a Beta customer under contract with a
    device, a ticket escalated to the vendor and a published October report, assigned to
    the CSM."""
    from console.crossschema import assign_csm
    from contracts.models import Customer
    from inventory.models import InventorySnapshot, SnapshotCount
    from portal.catalogue.models import ProductModel
    from portal.tenants.models import Partner
    from portal.users.models import Role, User
    from reporting.models import MonthlyReport
    from reporting.services import generate_report, mark_reviewed, publish
    from tests.factories import DeviceFactory
    from tests.personas import _user
    from tests.reporting.conftest import contract_for
    from tickets.models import Ticket
    from tickets.notifications import muted
    from tickets.services import escalate, open_ticket

    with django_db_blocker.unblock():
        beta = Partner.objects.get(slug="beta")
        with tenant_context(Partner.objects.get(schema_name="public")):
            csm = User.objects.get(email="csm@vendor.example")
        with tenant_context(beta):
            customer, created = Customer.objects.get_or_create(
                site_id=SITE_ID, defaults={"name": "Clinique du Lac, bâtiment principal",
                                           "language": "fr"})
            customer_user = _user(CUSTOMER_EMAIL, Role.CUSTOMER_USER, customer=customer)
            if created:
                contract_for(customer, lines=(("headsets", 50, "20.00"),))
                DeviceFactory(customer=customer, serial=SERIAL,
                              product_model=ProductModel.objects.get(sku="VOY-TEST"),
                              site="Bâtiment principal", room="Salle de conférence Léman")
                with muted():  # no e-mail to send
                    ticket = open_ticket(
                        user=customer_user, customer=customer, subject=SUBJECT,
                        description="Le casque perd la connexion Bluetooth.",
                        category="hardware", priority="P2")
                    escalate(ticket, user=User.objects.get(email="agent@beta.example"),
                             to_level="vendor", reason="Reproductible sur trois casques.")
                snapshot = InventorySnapshot.objects.create(
                    customer=customer, taken_on=date(2026, 10, 20),
                    source=InventorySnapshot.Source.LENS)
                SnapshotCount.objects.create(snapshot=snapshot, category="headsets",
                                             covered=56)
                report = generate_report(customer, date(2026, 10, 1))
                mark_reviewed(report, csm)
                publish(report, csm, notify=False)
            ids = {
                "ticket": Ticket.objects.get(customer=customer).pk,
                "report": MonthlyReport.objects.get(customer=customer).pk,
                "contract": customer.contracts.get().pk,
            }
        assign_csm(beta, customer.pk, csm)
    yield ids
    # The rest of the suite counts assignments from a clean slate.
    with django_db_blocker.unblock():
        assign_csm(beta, customer.pk, None)


# Each role's pages: (name, path, what to check beyond the width). "rows": a list whose
# first row must show its identifier and status; "head": a page whose heading and
# subtitle (identifier, status) must show at the top.
PARTNER_PAGES = [
    ("dashboard", "/", ""),
    ("tickets", "/tickets/", "rows"),
    ("ticket", "/tickets/{ticket}/", "head"),
    ("devices", "/devices/", "rows"),
    ("ticket-form", "/tickets/new/", ""),
    ("rma-form", "/rma/new/", ""),
    ("report", "/reports/{report}/", ""),
    ("contract", "/contracts/{contract}/", ""),
]
ROLES = {
    "customer-user": (PORTAL, CUSTOMER_EMAIL, "", PARTNER_PAGES),
    "partner-agent": (PORTAL, "agent@beta.example", "", PARTNER_PAGES),
    "partner-admin": (PORTAL, "admin@beta.example", "beta", PARTNER_PAGES),
    "console-vendor-admin": (CONSOLE, "vendor.admin@vendor.example", "public", [
        ("dashboard", "/", ""),
        ("partners", "/partners/", "rows"),
        ("partner-form", "/partners/new/", ""),
        ("catalogue", "/catalogue/", ""),
    ]),
    "console-csm": (CONSOLE, "csm@vendor.example", "public", [
        ("dashboard", "/", ""),
        ("my-customers", "/customers/", ""),
        ("reports", "/reports/", ""),
        ("report", "/reports/beta/{report}/", ""),
    ]),
    "console-engineer": (CONSOLE, "engineer@vendor.example", "public", [
        ("dashboard", "/", ""),
        ("escalations", "/escalations/", "rows"),
        ("ticket", "/escalations/beta/{ticket}/", "head"),
        ("replacements", "/replacements/", ""),
    ]),
}


def signed_in(page, portal_server, host, email, totp_schema):
    page.goto(portal_server.url(host, "/accounts/login/"))
    sign_in(page, email, PASSWORD)
    if totp_schema:
        page.fill("input[name=code]", current_totp(totp_schema, email))
        page.click("form[method=post] button[type=submit]")
    page.wait_for_url(portal_server.url(host, "/"))


def page_width(page):
    """(document width, window width): the first larger means the page scrolls sideways."""
    return page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")


# The innermost elements reaching past the window's right edge: what a failure names.
WIDEST = """() => Array.from(document.querySelectorAll("body *"))
  .filter((element) => element.getBoundingClientRect().right > window.innerWidth + 0.5
    && !Array.from(element.children).some(
      (child) => child.getBoundingClientRect().right > window.innerWidth + 0.5))
  .slice(0, 5)
  .map((element) => `${element.tagName.toLowerCase()}.${element.className}`
    + ` (${Math.round(element.getBoundingClientRect().right)} px)`)"""


def assert_fits(page, what):
    document_width, window_width = page_width(page)
    assert document_width <= window_width, (
        f"{what} scrolls sideways at {window_width} px: {document_width} px wide; "
        f"reaching past the edge: {page.evaluate(WIDEST)}")


def assert_in_viewport(page, locator, what):
    box = locator.bounding_box()
    viewport = page.viewport_size
    assert box is not None, f"{what} is not shown"
    assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"] + 0.5, \
        f"{what} is outside the screen's width: {box}"
    assert box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"] + 0.5, \
        f"{what} is outside the screen's height: {box}"


def screenshot(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=path, full_page=True)
    print(f"screenshot: {path}")


def check_menu_button(page, role):
    """Collapsed behind its button; the button opens it and its groups open in place."""
    button = page.locator("header .menu-button")
    menu = page.locator("#site-menu")
    assert button.is_visible() and button.get_attribute("aria-expanded") == "false"
    assert not menu.is_visible()
    # The closed menu leaves the page its height: the top bar is one short row.
    assert page.locator("header.topbar").bounding_box()["height"] < 80
    button.click()
    assert button.get_attribute("aria-expanded") == "true"
    first_entry = menu.locator("nav a").first
    assert first_entry.is_visible()
    assert_in_viewport(page, first_entry, "the menu's first entry")
    group = menu.locator("details.nav__group").first
    if group.count():
        group.locator("summary").click()
        assert group.locator(".nav__submenu a").first.is_visible()
    screenshot(page, f"{role}-menu-390")
    button.click()
    assert not menu.is_visible()


@pytest.mark.parametrize("role", list(ROLES))
def test_each_roles_pages_fit_a_phone(portal_server, phone_world, role):
    host, email, totp_schema, pages = ROLES[role]
    with chromium_page() as page:
        page.set_viewport_size(PHONE)
        signed_in(page, portal_server, host, email, totp_schema)
        check_menu_button(page, role)
        status_label = "Statut" if page.get_attribute("html", "lang") == "fr" else "Status"
        for name, path, check in pages:
            page.set_viewport_size(PHONE)
            response = page.goto(portal_server.url(host, path.format(**phone_world)))
            assert response.status == 200, f"{role} {path}: {response.status}"
            assert_fits(page, f"{role} {name}")
            if check == "rows":
                row = page.locator("main table.table--cards tbody tr").first
                row.scroll_into_view_if_needed()
                assert_in_viewport(page, row.locator("td.cell--lead a").first,
                                   f"{role} {name}: the first row's identifier")
                assert_in_viewport(
                    page, row.locator(f"td.cell--lead[data-label='{status_label}']"),
                    f"{role} {name}: the first row's status")
            elif check == "head":
                assert_in_viewport(page, page.locator("main h1"), f"{role} {name}: heading")
                assert_in_viewport(page, page.locator("main .page-head .subtitle"),
                                   f"{role} {name}: status line")
            screenshot(page, f"{role}-{name}-390")
            page.set_viewport_size(NARROW_PHONE)
            assert_fits(page, f"{role} {name}")


def test_a_desktop_keeps_the_menu_inline_and_lists_as_tables(portal_server, phone_world):
    with chromium_page() as page:
        page.set_viewport_size(DESKTOP)
        signed_in(page, portal_server, PORTAL, "agent@beta.example", "")
        # The skip link comes first and leads to the main content.
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.className") == "skip-link"
        assert page.evaluate("document.activeElement.textContent") == "Aller au contenu"
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "content"

        screenshot(page, "partner-agent-dashboard-1366")
        assert not page.locator("header .menu-button").is_visible()
        nav = page.locator("header nav.nav")
        assert nav.is_visible()
        assert nav.bounding_box()["height"] < 50  # one row
        # The user's own pages open from their name, at the end of the same row.
        user_menu = page.locator("header details.usermenu")
        assert user_menu.bounding_box()["y"] < nav.bounding_box()["y"] + 10
        user_menu.locator("summary").click()
        assert user_menu.locator("button[type=submit]").is_visible()  # log out
        user_menu.locator("summary").click()
        resources = nav.locator("details.nav__group").first
        assert not resources.locator(".nav__submenu").is_visible()
        resources.locator("summary").click()
        assert resources.locator(".nav__submenu a").first.is_visible()
        page.keyboard.press("Escape")
        assert not resources.locator(".nav__submenu").is_visible()

        page.goto(portal_server.url(PORTAL, "/tickets/"))
        assert page.locator("main form.filters").is_visible()
        assert not page.locator("main .filters-toggle").is_visible()
        table = page.locator("main table.table--cards")
        assert table.evaluate("element => getComputedStyle(element).display") == "table"
        assert page.locator("main table.table--cards thead").is_visible()
        screenshot(page, "partner-agent-tickets-1366")


def test_without_scripts_a_phone_shows_the_menu_open_and_its_groups_still_open(portal_server):
    with chromium_page() as page:
        context = page.context.browser.new_context(java_script_enabled=False, viewport=PHONE)
        try:
            bare = context.new_page()
            signed_in(bare, portal_server, PORTAL, "agent@beta.example", "")
            assert not bare.locator("header .menu-button").is_visible()
            assert bare.locator("#site-menu nav a").first.is_visible()
            resources = bare.locator("#site-menu details.nav__group").first
            resources.locator("summary").click()
            assert resources.locator(".nav__submenu a").first.is_visible()
            assert_fits(bare, "the agent's dashboard without scripts")
            bare.goto(portal_server.url(PORTAL, "/tickets/"))
            assert bare.locator("main form.filters").is_visible()
            screenshot(bare, "partner-agent-menu-without-scripts-390")
        finally:
            context.close()


def test_a_phone_folds_a_lists_filters_behind_a_button_that_counts_those_in_use(
        portal_server, phone_world):
    with chromium_page() as page:
        page.set_viewport_size(PHONE)
        signed_in(page, portal_server, PORTAL, "agent@beta.example", "")
        page.goto(portal_server.url(PORTAL, "/tickets/?status=open&priority=P2"))
        toggle, filters = page.locator("main .filters-toggle"), page.locator("main form.filters")
        assert toggle.is_visible() and not filters.is_visible()
        assert toggle.inner_text() == "Filtres (2)"
        # Folded, the filters leave the first row on the first screen.
        row = page.locator("main table.table--cards tbody tr").first
        assert_in_viewport(page, row.locator("td.cell--lead a").first, "the first ticket")
        toggle.click()
        assert toggle.get_attribute("aria-expanded") == "true" and filters.is_visible()
        assert_fits(page, "the ticket list with its filters open")
        screenshot(page, "partner-agent-tickets-filters-open-390")
        toggle.click()
        assert not filters.is_visible()
