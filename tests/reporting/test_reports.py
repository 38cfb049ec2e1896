"""Monthly reports (SPEC §9): figures, idempotent generation, the CSM's workflow, downloads
and their isolation, true-up quotes into a new baseline version."""

import subprocess
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django_tenants.utils import tenant_context

from console.crossschema import assign_csm
from contracts.models import BaselineVersion
from reporting import services
from reporting.models import MonthlyReport, TrueUpQuote
from reporting.tasks import generate_monthly_report, queue_monthly_reports
from tests.reporting.conftest import OCTOBER, contract_for, snapshot

# Uploads, generates or downloads files: run again with files on S3 by `make test`.
pytestmark = pytest.mark.storage

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def test_the_figures_compare_baseline_and_actual(reported):
    report = services.generate_report(reported["customer"], OCTOBER)
    rows = {row["category"]: row for row in report.figures["categories"]}
    assert (rows["headsets"]["ordered"], rows["headsets"]["actual"],
            rows["headsets"]["status"]) == (100, 106, "true_up_due")
    assert Decimal(rows["headsets"]["baseline"]) == Decimal("105.00")
    assert Decimal(rows["headsets"]["change_percent"]) == Decimal("6.0")
    assert rows["video"]["status"] == "within_baseline"
    assert report.figures["source"] == {"kind": "lens", "date": "2026-10-20"}
    # November to December 2027: 14 months; 6 × 24.00 ÷ 12 × 14 = 168.00
    true_up = report.figures["true_up"]
    assert [(line["category"], line["added"], line["months"], line["amount"])
            for line in true_up["lines"]] == [("headsets", 6, 14, "168.00")]
    trend = report.figures["trend"]
    assert trend["months"][-1] == "2026-10-01" and len(trend["months"]) == 12
    assert trend["series"]["headsets"][-6:] == [100, 101, 102, 103, 104, 106]
    assert trend["series"]["headsets"][0] is None
    assert report.figures["csm_hours"]["purchased"] == 16


def test_the_beat_job_twice_gives_one_report_per_customer_and_month(
        reported, world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert queue_monthly_reports("2026-10-01") >= 1
    with django_capture_on_commit_callbacks(execute=True):
        queue_monthly_reports("2026-10-01")
    with tenant_context(world.alpha):
        assert MonthlyReport.objects.filter(month=OCTOBER).count() == 1
        assert MonthlyReport.objects.get(month=OCTOBER).customer == reported["customer"]


def test_a_task_delivered_twice_leaves_one_report(reported, world):
    customer = reported["customer"]
    with tenant_context(world.alpha):
        generate_monthly_report.apply(args=[customer.pk, "2026-10-01"])
        generate_monthly_report.apply(args=[customer.pk, "2026-10-01"])
        assert MonthlyReport.objects.filter(customer=customer, month=OCTOBER).count() == 1


def test_a_published_report_is_never_regenerated(reported, world):
    customer = reported["customer"]
    csm = world["csm"].user
    report = services.generate_report(customer, OCTOBER)
    services.mark_reviewed(report, csm)
    published = services.publish(report, csm)
    snapshot(customer, date(2026, 10, 30), headsets=200, video=10)
    again = services.generate_report(customer, OCTOBER)
    assert again.pk == published.pk and again.figures == published.figures
    assert again.status == "published"


def test_a_draft_is_recomputed_and_keeps_its_notes(reported):
    customer = reported["customer"]
    report = services.generate_report(customer, OCTOBER)
    services.save_notes(report, "Great month")
    snapshot(customer, date(2026, 10, 30), headsets=100, video=10)
    again = services.generate_report(customer, OCTOBER)
    assert again.pk == report.pk and again.csm_notes == "Great month"
    rows = {row["category"]: row for row in again.figures["categories"]}
    assert rows["headsets"]["actual"] == 100


def test_no_contract_no_report(world):
    with tenant_context(world.alpha):
        customer = world.customer(world.alpha, "AL-0002")
        assert services.generate_report(customer, OCTOBER) is None
        assert customer not in services.customers_to_report(OCTOBER)


def test_accepting_a_quote_makes_a_new_baseline_version(reported, world):
    report = services.generate_report(reported["customer"], OCTOBER)
    quote = services.issue_quote(report, world["csm"].user)
    assert (quote.total, quote.months, quote.adjustment_month) == (
        Decimal("168.00"), 14, date(2026, 11, 1))
    with pytest.raises(ValidationError):
        services.accept_quote(quote, world["alpha_admin"].user, "  ")
    services.accept_quote(quote, world["alpha_admin"].user, "PO-4711")
    quote.refresh_from_db()
    version = quote.baseline_version
    entries = {entry.category: entry for entry in version.entries.all()}
    assert (version.number, version.effective_date) == (2, date(2026, 11, 1))
    assert (entries["headsets"].ordered, entries["headsets"].baseline) == (106, Decimal("111.3"))
    assert entries["video"].ordered == 10
    assert "PO-4711" in version.reason
    # the next month's report reads the new version
    november = services.generate_report(reported["customer"], date(2026, 11, 1))
    rows = {row["category"]: row for row in november.figures["categories"]}
    assert (rows["headsets"]["ordered"], rows["headsets"]["status"]) == (106, "within_baseline")
    assert november.figures["contract"]["baseline_version"] == 2
    with pytest.raises(ValidationError):
        services.accept_quote(quote, world["alpha_admin"].user, "PO-4712")


def test_a_new_quote_supersedes_the_open_one_and_a_declined_one_stays_declined(reported, world):
    report = services.generate_report(reported["customer"], OCTOBER)
    first = services.issue_quote(report, world["csm"].user)
    second = services.issue_quote(report, world["csm"].user, date(2026, 12, 1))
    first.refresh_from_db()
    assert first.status == "superseded" and second.months == 13
    services.decline_quote(second, world["alpha_admin"].user, "Devices are being retired")
    assert TrueUpQuote.objects.get(pk=second.pk).status == "declined"
    assert BaselineVersion.objects.filter(contract=reported["contract"]).count() == 1
    statuses = [record.status for record in second.history.order_by("history_date")]
    assert statuses == ["issued", "declined"]


def test_no_quote_without_a_due_category(world):
    with tenant_context(world.alpha):
        customer = world.customer(world.alpha, "AL-0002")
        contract_for(customer)
        snapshot(customer, date(2026, 10, 10), headsets=104, video=10)
        report = services.generate_report(customer, OCTOBER)
        with pytest.raises(ValidationError):
            services.issue_quote(report, world["csm"].user)


# --- The CSM in the console ---------------------------------------------------------------

@pytest.fixture
def assigned(reported, world):
    assign_csm(world.alpha, reported["customer"].pk, world["csm"].user)
    with tenant_context(world.alpha):
        report = services.generate_report(reported["customer"], OCTOBER)
    return report


def test_the_csm_reviews_and_publishes_and_everyone_is_told(assigned, world,
                                                           django_capture_on_commit_callbacks):
    csm = world["csm"].client()
    assert "AL-0001" in csm.get("/reports/").content.decode()
    base = f"/reports/alpha/{assigned.pk}/"
    assert csm.get(base).status_code == 200
    csm.post(base + "action/", {"action": "notes", "csm_notes": "Headsets grew in Lyon."})
    csm.post(base + "action/", {"action": "hours", "worked_on": "2026-10-12", "hours": "3.5",
                                "description": "Quarterly review"})
    csm.post(base + "action/", {"action": "review"})
    with django_capture_on_commit_callbacks(execute=True):
        csm.post(base + "action/", {"action": "publish", "confirmed": "yes"})
    with tenant_context(world.alpha):
        report = MonthlyReport.objects.get(pk=assigned.pk)
    assert report.status == "published" and report.pdf
    assert report.csm_notes == "Headsets grew in Lyon."
    recipients = {address for message in mail.outbox for address in message.to}
    assert {"agent@alpha.example", "admin@alpha.example",
            "user1@customer.alpha.example"} <= recipients
    assert "user2@customer.alpha.example" not in recipients
    page = world["alpha_customer1"].client().get(f"/reports/{report.pk}/").content.decode()
    assert "Headsets grew in Lyon." in page
    download = world["alpha_customer1"].client().get(f"/reports/{report.pk}/pdf/")
    assert download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content).startswith(b"%PDF")


def test_a_csm_never_sees_a_report_of_a_customer_not_assigned_to_them(assigned, world):
    with tenant_context(world.beta):
        beta_customer = world.customer(world.beta, "BE-0002")
        beta_report = services.generate_report(beta_customer, OCTOBER)
    csm = world["csm"].client()
    listing = csm.get("/reports/").content.decode()
    assert "AL-0001" in listing and "BE-0002" not in listing
    assert csm.get(f"/reports/beta/{beta_report.pk}/").status_code == 404
    assert csm.get(f"/reports/alpha/{beta_report.pk}/").status_code in (404,)
    assert csm.post(f"/reports/beta/{beta_report.pk}/action/",
                    {"action": "review"}).status_code == 404
    for persona in ("vendor_admin", "support_engineer"):
        assert world[persona].client().get("/reports/").status_code == 404


def test_drafts_are_not_for_customer_users_and_reports_stay_in_their_partner(assigned, world):
    customer = world["alpha_customer1"].client()
    assert customer.get(f"/reports/{assigned.pk}/").status_code == 404
    assert customer.get(f"/reports/{assigned.pk}/pdf/").status_code == 404
    assert world["alpha_agent"].client().get(f"/reports/{assigned.pk}/").status_code == 200
    with tenant_context(world.alpha):
        services.mark_reviewed(assigned, world["csm"].user)
        services.publish(assigned, world["csm"].user)
    for persona in ("alpha_customer2", "beta_agent", "beta_admin", "beta_customer1"):
        client = world[persona].client()
        assert client.get(f"/reports/{assigned.pk}/").status_code == 404, persona
        assert client.get(f"/reports/{assigned.pk}/pdf/").status_code == 404, persona


def test_the_partner_admin_accepts_a_quote_with_a_po_number(assigned, world):
    world["csm"].client().post(f"/reports/alpha/{assigned.pk}/action/", {"action": "quote"})
    with tenant_context(world.alpha):
        quote = TrueUpQuote.objects.get()
    admin = world["alpha_admin"].client()
    assert world["alpha_agent"].client().get(f"/reports/quotes/{quote.pk}/").status_code == 404
    assert quote.reference in admin.get("/reports/").content.decode()
    admin.post(f"/reports/quotes/{quote.pk}/decide/", {"action": "accept", "po_number": "PO-1",
                                                       "confirmed": "yes"})
    with tenant_context(world.alpha):
        quote.refresh_from_db()
    assert quote.status == "accepted" and quote.baseline_version.number == 2
    assert world["beta_admin"].client().get(f"/reports/quotes/{quote.pk}/").status_code == 404


def test_a_partner_wide_run_reports_its_progress(reported, world,
                                                django_capture_on_commit_callbacks):
    admin = world["alpha_admin"].client()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post("/reports/runs/", {"month": "2026-10"})
    assert response.status_code == 302
    progress = admin.get(response["Location"])
    assert progress.context["run"].done == progress.context["run"].total == 1
    assert "100 %" in progress.content.decode()
    with tenant_context(world.alpha):
        assert MonthlyReport.objects.filter(month=OCTOBER).count() == 1
    assert admin.post("/reports/runs/", {"month": "2999-01"}).status_code == 302
    assert world["alpha_agent"].client().post("/reports/runs/",
                                              {"month": "2026-10"}).status_code == 404


# --- The PDF ---------------------------------------------------------------------------------

def test_the_pdf_carries_the_partner_the_rows_and_the_totals(reported, world, tmp_path):
    from reporting.pdf import render_report_pdf

    with tenant_context(world.alpha):
        report = services.generate_report(reported["customer"], OCTOBER)
        content = render_report_pdf(report, world.alpha).read()
    path = tmp_path / "report.pdf"
    path.write_bytes(content)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          check=True, text=True).stdout
    assert "Alpha Communications" in text
    assert "Headsets and personal devices" in text and "Video" in text
    assert "106" in text and "105*" in text and "+6.0%" in text
    assert "€168.00" in text  # the true-up total
    ARTIFACTS.mkdir(exist_ok=True)
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile",
                    str(path), str(ARTIFACTS / "alpha-monthly-report")], check=True)
    assert (ARTIFACTS / "alpha-monthly-report.png").stat().st_size > 0


def test_a_quote_is_announced_to_partner_admins_and_kept_in_the_customer_history(
        assigned, world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        world["csm"].client().post(f"/reports/alpha/{assigned.pk}/action/",
                                   {"action": "quote"})
    recipients = {address for message in mail.outbox for address in message.to}
    assert recipients == {"admin@alpha.example"}
    assert "€168.00" in mail.outbox[0].body
    with tenant_context(world.alpha):
        quote = TrueUpQuote.objects.get()
    world["alpha_admin"].client().post(f"/reports/quotes/{quote.pk}/decide/",
                                       {"action": "decline", "reason": "Retiring devices"})
    page = world["alpha_admin"].client().get(f"/customers/{assigned.customer_id}/")
    quote_entries = [entry for entry in page.context["history"]
                     if str(entry.subject).startswith("True-up quote")]
    assert [str(entry.action) for entry in quote_entries] == ["changed", "created"]
    assert any(str(label) == "status" and str(new) == "Declined"
               for label, _old, new in quote_entries[0].changes)


def test_the_csm_dashboard_counts_the_drafts_to_review(assigned, world):
    page = world["csm"].client().get("/")
    assert page.context["reports_to_review"] == 1


def test_the_chart_follows_the_tables_order_and_the_partners_colour(reported, world):
    from reporting.presentation import report_context

    report = services.generate_report(reported["customer"], OCTOBER)
    report = MonthlyReport.objects.get(pk=report.pk)  # read back from the database
    charts = report_context(report, world.alpha)["charts"]
    assert [chart.label for chart in charts] == ["Headsets and personal devices", "Video"]
    assert all(f'stroke="{world.alpha.primary_colour}"' in chart.svg for chart in charts)
