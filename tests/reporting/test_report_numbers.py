"""The monthly report writes its numbers as the reader's locale does (one formatter for the
page, the PDF and the API's display fields), shows baselines as whole devices rounded up,
draws one chart per category, and counts technical account management hours."""

import re
import shutil
import subprocess
from datetime import date
from decimal import Decimal

import pytest
from django_tenants.utils import tenant_context

from console.crossschema import assign_csm
from reporting import services
from reporting.models import TamHours
from reporting.pdf import render_report_html, render_report_pdf
from tests.api.conftest import make_token
from tests.reporting.conftest import OCTOBER, contract_for, snapshot

NNBSP = "\u202f"


@pytest.fixture
def seven(world):
    """Alpha's AL-0002 with 7 video systems ordered: a baseline of 7.35."""
    with tenant_context(world.alpha):
        customer = world.customer(world.alpha, "AL-0002")
        contract_for(customer, lines=(("video", 7, "310.00"),))
        snapshot(customer, date(2026, 10, 12), video=7)
        report = services.generate_report(customer, OCTOBER)
        services.mark_reviewed(report, world["csm"].user)
        services.publish(report, world["csm"].user, notify=False)
    assert report.figures["categories"][0]["baseline"] == "7.3500"
    return report


def pdf_text(content, tmp_path):
    path = tmp_path / "report.pdf"
    path.write_bytes(content)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          check=True, text=True).stdout


def test_a_7_35_baseline_shows_8_on_the_page(seven, world):
    html = world["alpha_customer2"].client().get(f"/reports/{seven.pk}/").content.decode()
    assert 'title="Exact baseline: 7.35">8<' in html
    assert "Video 7.35" in html  # the footnote's exact value


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils is not installed")
def test_a_7_35_baseline_shows_8_in_the_pdf(seven, world, tmp_path):
    with tenant_context(world.alpha):
        text = pdf_text(render_report_pdf(seven, world.alpha).read(), tmp_path)
    row = next(line for line in text.splitlines() if line.strip().startswith("Video"))
    assert re.split(r"\s{2,}", row.strip())[1:4] == ["7", "8*", "7"]
    assert "Baselines are rounded up to a whole device. Exact:" in text and "7.35" in text


def test_a_7_35_baseline_shows_8_in_the_api(seven, world):
    from django.test import Client

    client = Client(HTTP_HOST=world.alpha.primary_domain,
                    HTTP_AUTHORIZATION=f"Bearer {make_token(world['alpha_customer2'])}")
    row = client.get(f"/api/v1/reports/{seven.pk}").json()["figures"]["categories"][0]
    assert (row["baseline"], row["baseline_devices"]) == ("7.3500", 8)


def test_the_french_report_writes_every_percentage_and_amount_the_french_way(reported, world):
    report = services.generate_report(reported["customer"], OCTOBER)
    report.customer.language = "fr"  # the PDF is in the customer's language
    html = render_report_html(report, world.alpha)
    assert f"+6,0{NNBSP}%" in html  # change vs ordered
    assert f"5{NNBSP}%" in html  # the thresholds
    assert "168,00\xa0€" in html  # the true-up total, with its currency
    assert not re.search(r"\d\.\d %", html)  # no English decimal beside a French space
    assert "EUR" not in html
    assert "oct. 26" in html and "Oct 26" not in html  # the chart's months
    assert "31 décembre 2027" in html  # the term


def test_the_english_report(reported, world):
    report = services.generate_report(reported["customer"], OCTOBER)
    html = render_report_html(report, world.alpha)
    assert "+6.0%" in html and "€168.00" in html and "Oct 26" in html


def test_one_chart_per_category_with_its_own_scale_and_baseline(reported, world):
    report = services.generate_report(reported["customer"], OCTOBER)
    html = world["alpha_admin"].client().get(f"/reports/{report.pk}/").content.decode()
    charts = re.findall(r"<svg.*?</svg>", html, flags=re.S)
    assert len(charts) == 2  # headsets and video
    for svg in charts:
        assert "style=" not in svg
        assert 'class="baseline-line"' in svg
    # Each its own scale: the video chart's axis reads around 10, not from 0 to 110.
    video_axis = [int(v.replace(",", "")) for v in
                  re.findall(r'text-anchor="end"[^>]*>([\d,]+)<', charts[1])]
    assert max(video_axis) < 20
    assert 'class="legend-swatch"' not in html
    # Every month's label fits the chart's width, the last one included (about 5.4 px a
    # character at font size 9, centred on its point).
    width = int(re.search(r'viewBox="0 0 (\d+) ', charts[0]).group(1))
    for x, label in re.findall(
            r'<text x="([\d.]+)"[^>]*text-anchor="middle"[^>]*>([^<]+)<', charts[0]):
        assert float(x) + len(label) * 5.4 / 2 <= width, label


def test_tam_hours_are_logged_in_the_console_and_shown_in_the_report(reported, world,
                                                                     tmp_path):
    customer, contract = reported["customer"], reported["contract"]
    assign_csm(world.alpha, customer.pk, world["csm"].user)
    report = services.generate_report(customer, OCTOBER)
    csm = world["csm"].client()
    base = f"/reports/alpha/{report.pk}/action/"
    for worked_on, hours in (("2026-09-30", "4"), ("2026-10-12", "2.5")):
        csm.post(base, {"action": "tam_hours", "worked_on": worked_on, "hours": hours,
                        "description": "Firmware rollout plan"})
    # outside the contract's term: refused
    csm.post(base, {"action": "tam_hours", "worked_on": "2025-12-31", "hours": "1",
                    "description": "Before the term"})
    with tenant_context(world.alpha):
        entries = list(TamHours.objects.filter(contract=contract).order_by("worked_on"))
        assert [(e.hours, e.engineer_email) for e in entries] == [
            (Decimal("4.00"), "csm@vendor.example"), (Decimal("2.50"), "csm@vendor.example")]
        contract.tam_hours = 40
        contract.save()
        report = services.generate_report(customer, OCTOBER)
    assert report.figures["tam_hours"] == {"used_in_month": "2.50", "used_in_term": "6.50",
                                           "bought": 40}
    html = world["alpha_admin"].client().get(f"/reports/{report.pk}/").content.decode()
    assert "2.5 hours this month; 6.5 hours used of 40 bought for the term." in html
    page = csm.get(f"/reports/alpha/{report.pk}/").content.decode()
    assert "Firmware rollout plan" in page
    if shutil.which("pdftotext"):
        with tenant_context(world.alpha):
            text = pdf_text(render_report_pdf(report, world.alpha).read(), tmp_path)
        assert "6.5 hours used of 40 bought for the term" in " ".join(text.split())


def test_an_older_report_without_tam_hours_still_opens(reported):
    report = services.generate_report(reported["customer"], OCTOBER)
    report.figures.pop("tam_hours")
    assert report.read_figures().tam_hours is None
    assert "tam_hours" not in report.read_figures().to_json()
