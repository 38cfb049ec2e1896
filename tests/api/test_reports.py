"""Contracts, monthly reports and true-up quotes through the API."""

import pytest
from django.core.files.base import ContentFile
from django_tenants.utils import tenant_context

from contracts.models import BaselineVersion
from reporting.models import MonthlyReport, TrueUpQuote

# Uploads, generates or downloads files: run again with files on S3 by `make test`.
pytestmark = pytest.mark.storage


def test_contracts_with_their_baseline_versions(world, api, samples):
    contract = samples["AL-0001"].contract
    listed = api("alpha_customer1").get("/api/v1/contracts").json()["items"]
    assert [item["id"] for item in listed] == [contract.pk]
    data = api("alpha_customer1").get(f"/api/v1/contracts/{contract.pk}").json()
    assert data["status"] == "active" and data["lines"] == [{
        "category": "headsets", "installed": 20, "growth": 0, "ordered": 20,
        "annual_price": "24.00"}]
    [version] = data["baseline_versions"]
    assert version["number"] == 1
    assert version["entries"] == [{"category": "headsets", "ordered": 20,
                                   "baseline": "21.0000", "baseline_devices": 21}]


def test_only_published_reports_are_served(world, api, samples):
    with tenant_context(world.alpha):
        MonthlyReport.objects.filter(pk=samples["AL-0002"].report.pk).update(status="reviewed")
    for persona in ("alpha_admin", "alpha_customer2"):
        client = api(persona)
        ids = [item["id"] for item in client.get("/api/v1/reports").json()["items"]]
        assert samples["AL-0002"].report.pk not in ids, persona
        draft = client.get(f"/api/v1/reports/{samples['AL-0002'].report.pk}")
        assert draft.status_code == 404, persona


def test_a_report_gives_the_figures_of_its_pdf(world, api, samples):
    report = samples["AL-0001"].report
    data = api("alpha_customer1").get(f"/api/v1/reports/{report.pk}").json()
    # the stored figures, with each baseline also in whole devices as shown
    for row in data["figures"]["categories"]:
        row.pop("baseline_devices")
    assert data["figures"] == report.figures
    assert data["month"] == report.month.isoformat()
    assert data["pdf"] == f"/api/v1/reports/{report.pk}/pdf"


def test_the_pdf_is_the_published_one(world, api, samples):
    report = samples["AL-0001"].report
    response = api("alpha_customer1").get(f"/api/v1/reports/{report.pk}/pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == b"%PDF-1.4 AL0001"
    assert "AL-0001-" in response["Content-Disposition"]


def test_a_report_without_its_file_is_not_found(world, api, samples):
    report = samples["AL-0001"].report
    with tenant_context(world.alpha):
        report.pdf.delete(save=True)
    assert api("alpha_admin").get(f"/api/v1/reports/{report.pk}/pdf").status_code == 404
    with tenant_context(world.alpha):
        report.pdf.save("missing.pdf", ContentFile(b"x"))
        report.pdf.storage.delete(report.pdf.name)
    assert api("alpha_admin").get(f"/api/v1/reports/{report.pk}/pdf").status_code == 404


def test_the_partner_admin_accepts_a_quote_with_a_purchase_order(world, api, samples):
    quote = samples["AL-0001"].quote
    admin = api("alpha_admin")
    assert admin.get("/api/v1/true-up-quotes").json()["items"][0]["status"] == "issued"
    empty = admin.post(f"/api/v1/true-up-quotes/{quote.pk}/accept", {"po_number": " "})
    assert empty.status_code == 422 and "po_number" in empty.json()["errors"]
    response = admin.post(f"/api/v1/true-up-quotes/{quote.pk}/accept",
                          {"po_number": "PO-2026-117"})
    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "accepted" and data["po_number"] == "PO-2026-117"
    assert data["baseline_version"] == 2
    with tenant_context(world.alpha):
        version = BaselineVersion.objects.get(contract=quote.contract, number=2)
        assert version.entries.get(category="headsets").ordered == 23


def test_quotes_are_the_partner_administrators(world, api, samples):
    quote = samples["AL-0001"].quote
    for persona in ("alpha_agent", "alpha_customer1"):
        client = api(persona)
        assert client.get("/api/v1/true-up-quotes").status_code == 404
        assert client.post(f"/api/v1/true-up-quotes/{quote.pk}/accept",
                           {"po_number": "PO-1"}).status_code == 404
    with tenant_context(world.alpha):
        assert TrueUpQuote.objects.get(pk=quote.pk).status == "issued"


def test_declining_needs_a_reason(world, api, samples):
    quote = samples["AL-0001"].quote
    admin = api("alpha_admin")
    response = admin.post(f"/api/v1/true-up-quotes/{quote.pk}/decline", {"reason": ""})
    assert response.status_code == 422 and "reason" in response.json()["errors"]
    response = admin.post(f"/api/v1/true-up-quotes/{quote.pk}/decline",
                          {"reason": "Budget frozen"})
    assert response.json()["status"] == "declined"
