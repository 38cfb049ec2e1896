"""The vendor console's list of true-up quotes across partners, read from the console's
index: a CSM sees their assigned customers' quotes, the vendor administrator every
partner's; support engineers and partner users get 404."""

from decimal import Decimal

from django.core.management import call_command
from django_tenants.utils import tenant_context

from console.crossschema import assign_csm
from contracts.services import save_customer
from portal import formats
from portal.consoleindex.models import IndexedQuote
from reporting import services
from tests.reporting.conftest import OCTOBER


def issued(reported, world):
    with tenant_context(world.alpha):
        report = services.generate_report(reported["customer"], OCTOBER)
        quote = services.issue_quote(report, world["csm"].user, None)
    return report, quote


def listed(client, query=""):
    response = client.get("/reports/quotes/" + query)
    assert response.status_code == 200
    return [quote.pk for quote in response.context["quotes"]], response.content.decode()


def test_the_csm_lists_their_customers_quotes_with_amount_partner_and_customer(reported,
                                                                                world):
    assign_csm(world.alpha, reported["customer"].pk, world["csm"].user)
    report, quote = issued(reported, world)
    pks, page = listed(world["csm"].client())
    assert pks == [quote.pk]
    assert quote.total == Decimal("168.00")
    assert formats.money(quote.total, "EUR") in page
    assert world.alpha.qualified(f"Q-{quote.pk:06d}") in page
    assert f'href="/reports/alpha/{report.pk}/"' in page
    assert "Alpha Communications" in page and reported["customer"].name in page
    assert "Awaiting a purchase order" in page


def test_the_status_filter_follows_the_partners_answer(reported, world):
    assign_csm(world.alpha, reported["customer"].pk, world["csm"].user)
    _report, quote = issued(reported, world)
    csm = world["csm"].client()
    assert listed(csm, "?status=issued")[0] == [quote.pk]
    assert listed(csm, "?status=accepted")[0] == []
    with tenant_context(world.alpha):
        services.accept_quote(quote, world["alpha_admin"].user, "PO-9")
    assert listed(csm, "?status=issued")[0] == []
    assert listed(csm, "?status=accepted")[0] == [quote.pk]
    assert listed(csm, "?status=declined")[0] == []


def test_a_declined_quote_is_listed_as_declined(reported, world):
    assign_csm(world.alpha, reported["customer"].pk, world["csm"].user)
    _report, quote = issued(reported, world)
    with tenant_context(world.alpha):
        services.decline_quote(quote, world["alpha_admin"].user, "Budget frozen")
    assert listed(world["csm"].client(), "?status=declined")[0] == [quote.pk]


def test_a_superseded_quote_leaves_the_list(reported, world):
    assign_csm(world.alpha, reported["customer"].pk, world["csm"].user)
    report, first = issued(reported, world)
    with tenant_context(world.alpha):
        second = services.issue_quote(report, world["csm"].user, None)
    assert listed(world["csm"].client())[0] == [second.pk]
    assert not IndexedQuote.objects.filter(object_id=first.pk).exists()


def test_a_csm_not_assigned_sees_neither_the_quote_nor_its_report(reported, world):
    report, quote = issued(reported, world)
    csm = world["csm"].client()
    pks, page = listed(csm)
    assert pks == []
    assert reported["customer"].name not in page
    assert csm.get(f"/reports/alpha/{report.pk}/").status_code == 404


def test_the_vendor_administrator_sees_every_partners_quotes(reported, world):
    _report, quote = issued(reported, world)
    pks, page = listed(world["vendor_admin"].client(), "?partner=alpha")
    assert pks == [quote.pk]
    assert 'href="/partners/alpha/"' in page
    # Unfiltered, every partner's quotes: Alpha's among them.
    assert quote.pk in listed(world["vendor_admin"].client())[0]


def test_support_engineers_and_partner_users_cannot_open_the_list(reported, world):
    issued(reported, world)
    assert world["support_engineer"].client().get("/reports/quotes/").status_code == 404
    # A partner's administrator has no session on the console.
    response = world["alpha_admin"].client().get("/reports/quotes/", HTTP_HOST="localhost")
    assert response.status_code in (302, 404)
    assert b"Q-0" not in response.content


def test_the_menu_and_the_dashboard_card_lead_to_the_list(reported, world):
    assign_csm(world.alpha, reported["customer"].pk, world["csm"].user)
    issued(reported, world)
    page = world["csm"].client().get("/").content.decode()
    assert 'href="/reports/quotes/"' in page
    assert 'href="/reports/quotes/?status=issued"' in page


def test_the_index_follows_the_customer_and_is_rebuilt_from_the_schemas(reported, world):
    assign_csm(world.alpha, reported["customer"].pk, world["csm"].user)
    _report, quote = issued(reported, world)
    with tenant_context(world.alpha):
        customer = reported["customer"]
        customer.name = "Renamed Customer"
        save_customer(customer)
    assert "Renamed Customer" in listed(world["csm"].client())[1]
    IndexedQuote.objects.all().delete()
    call_command("rebuild_console_index")
    assert listed(world["csm"].client())[0] == [quote.pk]
