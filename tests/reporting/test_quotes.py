"""The true-up quotes list, its links and card, and the confirmation steps before a quote
is accepted and before a report is published (SPEC §9)."""

import pytest
from django_tenants.utils import tenant_context

from console.crossschema import assign_csm
from reporting import services
from reporting.models import MonthlyReport, TrueUpQuote
from tests.reporting.conftest import OCTOBER


@pytest.fixture
def quote(reported, world):
    assign_csm(world.alpha, reported["customer"].pk, world["csm"].user)
    with tenant_context(world.alpha):
        report = services.generate_report(reported["customer"], OCTOBER)
    world["csm"].client().post(f"/reports/alpha/{report.pk}/action/", {"action": "quote"})
    with tenant_context(world.alpha):
        return TrueUpQuote.objects.select_related("contract__customer").get()


def test_the_partner_admin_lists_the_quotes_by_status(quote, world):
    admin = world["alpha_admin"].client()
    body = admin.get("/reports/quotes/").content.decode()
    assert quote.reference in body and "€168.00" in body
    assert "Alpha Customer One" in body
    assert quote.reference in admin.get("/reports/quotes/?status=issued").content.decode()
    assert "No quotes match." in admin.get("/reports/quotes/?status=accepted").content.decode()


def test_the_contract_page_links_to_its_quotes(quote, world):
    admin = world["alpha_admin"].client()
    page = admin.get(f"/contracts/{quote.contract_id}/").content.decode()
    assert f"/reports/quotes/?contract={quote.contract_id}" in page
    listed = admin.get(f"/reports/quotes/?contract={quote.contract_id}")
    assert [q.pk for q in listed.context["page"].object_list] == [quote.pk]


def test_quotes_stay_with_their_partner_and_away_from_agents_and_customers(quote, world):
    body = world["beta_admin"].client().get("/reports/quotes/").content.decode()
    assert "Alpha Customer One" not in body and "168.00" not in body
    for persona in ("alpha_agent", "alpha_customer1", "alpha_customer2", "beta_customer1"):
        assert world[persona].client().get("/reports/quotes/").status_code == 404, persona


def test_accepting_a_quote_asks_for_confirmation_first(quote, world):
    admin = world["alpha_admin"].client()
    url = f"/reports/quotes/{quote.pk}/decide/"
    response = admin.post(url, {"action": "accept", "po_number": "PO-7"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "€168.00" in body and "PO-7" in body
    # headsets 106 × 1.05 = 111.3 → 112; video 10 × 1.05 = 10.5 → 11
    assert [(row.ordered, row.whole) for row in response.context["baseline"]] == [
        (106, 112), (10, 11)]
    assert "Who is told: the Customer Success Manager of Alpha Customer One" in body
    with tenant_context(world.alpha):
        quote.refresh_from_db()
    assert quote.status == "issued"  # nothing accepted yet

    admin.post(url, {"action": "accept", "po_number": "PO-7", "confirmed": "yes"})
    with tenant_context(world.alpha):
        quote.refresh_from_db()
    assert quote.status == "accepted" and quote.po_number == "PO-7"


def test_publishing_a_report_asks_for_confirmation_first(quote, world):
    with tenant_context(world.alpha):
        report = MonthlyReport.objects.get()
        services.mark_reviewed(report, world["csm"].user)
    csm = world["csm"].client()
    base = f"/reports/alpha/{report.pk}/"
    csm.post(base + "action/", {"action": "publish"})
    with tenant_context(world.alpha):
        report.refresh_from_db()
    assert report.status == "reviewed"

    page = csm.get(base + "publish/")
    assert page.context["audience"] == {"staff": 3, "customer": 1}
    assert "Alpha Customer One" in page.content.decode()
    assert world["csm"].client().get(
        f"/reports/beta/{report.pk}/publish/").status_code == 404
    csm.post(base + "action/", {"action": "publish", "confirmed": "yes"})
    with tenant_context(world.alpha):
        report.refresh_from_db()
    assert report.status == "published"


def test_the_partner_admin_dashboard_counts_the_quotes_awaiting_a_po(quote, world):
    admin = world["alpha_admin"].client()
    assert admin.get("/").context["quotes_awaiting_po"] == 1
    with tenant_context(world.alpha):
        services.decline_quote(quote, world["alpha_admin"].user, "Not now")
    assert admin.get("/").context["quotes_awaiting_po"] == 0
    assert world["beta_admin"].client().get("/").context["quotes_awaiting_po"] == 0


def test_a_true_up_is_due_until_a_quote_answers_it(reported, world):
    with tenant_context(world.alpha):
        report = services.generate_report(reported["customer"], OCTOBER)
    admin = world["alpha_admin"].client()
    assert [r.pk for r in admin.get("/").context["true_ups_due"].rows] == [report.pk]
    with tenant_context(world.alpha):
        services.issue_quote(report, world["csm"].user, None)
    assert admin.get("/").context["true_ups_due"].count == 0
