"""The CSM's *My customers* and console dashboard with the programme's numbers, read from
the console's index: baseline versus actual and the true-up of each customer's latest
report, and the quotes waiting for a partner's purchase order."""

from django_tenants.utils import tenant_context

from console.crossschema import assign_csm
from reporting import services
from tests.reporting.conftest import OCTOBER


def test_my_customers_shows_baseline_vs_actual_and_the_true_up(reported, world):
    customer = reported["customer"]
    assign_csm(world.alpha, customer.pk, world["csm"].user)
    csm = world["csm"].client()
    row = csm.get("/customers/").context["rows"][0]
    assert row.latest is None
    with tenant_context(world.alpha):
        services.generate_report(customer, OCTOBER)
    response = csm.get("/customers/")
    row = response.context["rows"][0]
    # headsets: ordered 100, baseline 105, actual 106 (6 % over: true-up due)
    assert [(f.ordered, f.baseline, f.actual) for f in row.latest.categories] == [
        (100, 105, 106), (10, 11, 10)]
    assert row.latest.true_up_due
    body = response.content.decode()
    assert "106 of 105 (ordered 100)" in body and "True-up due" in body
    # Unassigned, the customer and its figures leave the CSM's list.
    assign_csm(world.alpha, customer.pk, None)
    assert list(csm.get("/customers/").context["rows"]) == []


def test_the_csm_dashboard_counts_quotes_awaiting_a_po(reported, world):
    customer = reported["customer"]
    assign_csm(world.alpha, customer.pk, world["csm"].user)
    with tenant_context(world.alpha):
        report = services.generate_report(customer, OCTOBER)
    csm = world["csm"].client()
    assert csm.get("/").context["quotes_awaiting_po"] == 0
    with tenant_context(world.alpha):
        quote = services.issue_quote(report, world["csm"].user, None)
    assert csm.get("/").context["quotes_awaiting_po"] == 1
    listed = csm.get("/reports/?quote=awaiting").context["reports"]
    assert [r.pk for r in listed] == [report.pk]
    with tenant_context(world.alpha):
        services.accept_quote(quote, world["alpha_admin"].user, "PO-9")
    assert csm.get("/").context["quotes_awaiting_po"] == 0
