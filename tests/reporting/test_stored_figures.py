"""Figures kept as versioned JSON: a report kept before the JSON carried a version still
opens, and the page, the PDF and the API show the figures they showed then."""

import copy
import re
import subprocess
from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from reporting import services
from reporting.models import MonthlyReport
from reporting.pdf import render_report_html, render_report_pdf
from reporting.report_figures import FORMAT_VERSION, ReportFigures
from tests.api.conftest import ApiClient, make_token
from tests.reporting.conftest import OCTOBER
from tests.reporting.stored_figures import BEFORE_VERSIONS

# What the page and the PDF said of BEFORE_VERSIONS when it was the current format.
# (Whole-device baselines with their exact values in a footnote, and every number, amount
# and date as the reader's locale writes it.)
SHOWN_IN_ENGLISH = (
    "Contract Customer Alpha Customer One · Site ID AL-0001 Term 1 January 2026 – 31 December"
    " 2027 Baseline version 1 Counts from the Poly Lens export of 20 October 2026 Baseline "
    "versus actual Category Ordered Baseline Actual Change vs ordered Status Headsets and "
    "personal devices 100 105 * 106 +6.0% True-up due Video 10 11 * 10 0.0% Within baseline *"
    " Baselines are rounded up to a whole device. Exact: Headsets and personal devices 105 · "
    "Video 10.5 Last 12 months Actual count per month; the dashed line is the baseline. "
    "Headsets and personal devices Video True-up These categories are 5% or more above the "
    "ordered quantity. Adjusted from November 2026 to the end of the term (14 months): "
    "Category Added devices Annual unit price Months Amount Headsets and personal devices 6 "
    "€24.00 14 €168.00 Total €168.00 Headset replacements Approved in 2026 0 / 100 · 0.0% "
    "Threshold 5% Chargeable 0 · €0.00 Tickets Opened 2 (0 P1) Resolved 2 Escalations 0 Cloud"
    " incidents 0 SLA breaches 1 Priority Resolved SLA met P1 0 — P2 1 100.0% P3 1 0.0% P4 0 "
    "— Firmware compliance 100.0% of devices on the current firmware (0 of 1 behind). CSM "
    "hours 3.5 hours used of 16 purchased this month. Devices found that are not covered "
    "Model Category Why Devices Old Phone OLD-1 phones The product has reached its end of "
    "life. 1 Notes from your Customer Success Manager —")
SHOWN_IN_FRENCH = (
    "Contrat Client Alpha Customer One · Identifiant de site AL-0001 Période 1 janvier 2026 "
    "– 31 décembre 2027 Version de référence 1 Décomptes issus de l’export Poly Lens du "
    "20 octobre 2026 "
    "Référence et parc réel Catégorie Commandés Référence Réel Écart / commandé Statut Casques "
    "et appareils personnels 100 105 * 106 +6,0 % True-up dû Vidéo 10 11 * 10 0,0 % Dans la "
    "référence * Les références sont arrondies à l’appareil supérieur. Valeurs exactes : "
    "Casques et appareils personnels 105 · Vidéo 10,5 Les 12 derniers mois Décompte réel par "
    "mois ; la ligne pointillée est la référence. Casques et appareils personnels Vidéo "
    "True-up Ces catégories dépassent de 5 % ou plus la quantité commandée. Ajustement de "
    "novembre 2026 à la fin de la période (14 mois) : Catégorie Appareils ajoutés Prix "
    "unitaire annuel Mois Montant Casques et appareils personnels 6 24,00 € 14 168,00 € Total"
    " 168,00 € Remplacements de casques Approuvés en 2026 0 / 100 · 0,0 % Seuil 5 % "
    "Facturable 0 · 0,00 € Tickets Ouverts 2 (0 P1) Résolu 2 Escalades 0 Incidents cloud 0 "
    "dépassements de SLA 1 Priorité Résolu SLA respecté P1 0 — P2 1 100,0 % P3 1 0,0 % P4 0 —"
    " Conformité du micrologiciel 100,0 % des appareils au micrologiciel actuel (0 sur 1 en "
    "retard). Heures CSM 3,5 heures utilisées sur 16 achetées ce mois-ci. Appareils trouvés "
    "non couverts Modèle Catégorie Motif Appareils Old Phone OLD-1 phones Le produit a "
    "atteint sa fin de vie. 1 Notes de votre responsable du succès client —")


def shown(html):
    """The report's sections as text: tags and the chart's drawing left out."""
    body = html[html.index('<section class="report-section">'):html.rindex("</section>")]
    body = re.sub(r"<svg.*?</svg>", " ", body, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)).strip()


@pytest.fixture
def kept_before_versions(reported, world):
    """AL-0001's published October report, its figures in the format without a version."""
    with tenant_context(world.alpha):
        report = MonthlyReport.objects.create(
            customer=reported["customer"], month=OCTOBER, contract=reported["contract"],
            figures=copy.deepcopy(BEFORE_VERSIONS), generated_at=timezone.now(),
            status=MonthlyReport.Status.PUBLISHED, published_at=timezone.now())
        return MonthlyReport.objects.select_related("customer").get(pk=report.pk)


def test_figures_without_a_version_read_as_version_1():
    figures = ReportFigures.from_json(copy.deepcopy(BEFORE_VERSIONS))
    assert figures.month == date(2026, 10, 1)
    assert figures.contract.end == date(2027, 12, 31)
    assert figures.categories[0].baseline == Decimal("105.0000")
    assert figures.categories[0].change_percent == Decimal("6.0")
    assert figures.true_up.lines[0].amount == Decimal("168.00")
    assert figures.true_up.total == Decimal("168.00")
    assert figures.tickets.sla["P1"].percent is None
    assert figures.csm_hours.used == Decimal("3.50")
    # Written back in the current format: the same values, now with their version.
    assert figures.to_json() == {"version": 1, **BEFORE_VERSIONS}


def test_a_new_report_keeps_its_figures_with_the_current_version(reported):
    report = services.generate_report(reported["customer"], OCTOBER)
    assert report.figures["version"] == FORMAT_VERSION
    stored = MonthlyReport.objects.get(pk=report.pk)
    assert stored.figures == report.figures
    assert stored.read_figures().to_json() == report.figures


def test_figures_of_an_unknown_version_are_refused():
    with pytest.raises(ValueError):
        ReportFigures.from_json({**BEFORE_VERSIONS, "version": FORMAT_VERSION + 1})


def test_a_report_kept_before_versions_shows_the_same_figures(kept_before_versions, world):
    report = kept_before_versions
    customer_user = world["alpha_customer1"]
    page = customer_user.client().get(f"/reports/{report.pk}/")
    assert page.status_code == 200
    assert shown(page.content.decode()) == SHOWN_IN_ENGLISH
    with tenant_context(world.alpha):
        assert shown(render_report_html(report, world.alpha)) == SHOWN_IN_ENGLISH
        report.customer.language = "fr"
        assert shown(render_report_html(report, world.alpha)) == SHOWN_IN_FRENCH

    api = ApiClient(customer_user.host, make_token(customer_user))
    answer = api.get(f"/api/v1/reports/{report.pk}").json()
    # each exact baseline has its whole devices beside it, as the page shows them
    assert [row.pop("baseline_devices") for row in answer["figures"]["categories"]] == [105, 11]
    assert answer["figures"] == {"version": 1, **BEFORE_VERSIONS}
    with tenant_context(world.alpha):
        assert MonthlyReport.objects.get(pk=report.pk).figures == BEFORE_VERSIONS  # untouched


def test_the_pdf_of_a_report_kept_before_versions_carries_its_figures(kept_before_versions,
                                                                      world, tmp_path):
    with tenant_context(world.alpha):
        content = render_report_pdf(kept_before_versions, world.alpha).read()
    path = tmp_path / "report.pdf"
    path.write_bytes(content)
    text = re.sub(r"\s+", " ", subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True,
        text=True).stdout)
    for figure in ("105*", "+6.0%", "11*", "Video 10.5", "€168.00", "0 / 100 · 0.0%",
                   "Threshold 5%", "P3 1 0.0%", "100.0% of devices on the current",
                   "3.5 hours used of 16 purchased", "Old Phone OLD-1"):
        assert figure in text, figure
