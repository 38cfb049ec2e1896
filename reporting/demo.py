"""Demo reports: a year of monthly inventory history per customer, the last three months'
reports (two published, the latest a draft), CSM hours and notes, and a customer whose
headsets have grown past the true-up threshold with a quote waiting for the partner."""

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone, translation

from contracts.models import Customer
from contracts.services import current_baseline
from inventory.models import InventorySnapshot, SnapshotCount
from portal.catalogue.models import Category

from . import figures, services
from .models import CsmHours, MonthlyReport

HISTORY_MONTHS = 12
PUBLISHED_MONTHS = 2


# The demo's words in French, for a French partner's demo (seed_demo).
FRENCH = {
    "Monthly service review": "Revue de service mensuelle",
    "Installed base stable; firmware campaign on the video systems planned next month.":
        ("Parc installé stable\u202f; campagne de mise à jour du firmware des systèmes vidéo "
         "prévue le mois prochain."),
    "Headsets grew past the ordered quantity: a true-up quote is on its way.":
        ("Les casques ont dépassé la quantité commandée\u202f: un devis d’ajustement est en "
         "préparation."),
}


def in_language(language):
    """The demo's text as a partner of `language` writes it."""
    return (lambda text: FRENCH[text]) if language == "fr" else (lambda text: text)


class DemoCsm:
    """Stands for the customer's CSM, a user of the public schema."""

    def __init__(self, name, email):
        self.display_name, self.email = name, email


def _active_contract(customer):
    return customer.contracts.filter(status="active").order_by("-start").first()


def _history(customer, ordered, growth_category, today):
    """A snapshot near the end of each past month, the counts drifting towards the ordered
    quantities; `growth_category` ends 8% above its order."""
    first = figures.add_months(date(today.year, today.month, 1), -HISTORY_MONTHS)
    for offset in range(HISTORY_MONTHS):
        month = figures.add_months(first, offset)
        progress = offset / (HISTORY_MONTHS - 1)
        snapshot = InventorySnapshot.objects.create(
            customer=customer, taken_on=figures.month_end(month) - timedelta(days=2),
            source=InventorySnapshot.Source.LENS)
        counts = []
        for category in Category.values:
            base = ordered.get(category, 0)
            factor = 0.9 + (0.18 if category == growth_category else 0.07) * progress
            counts.append(SnapshotCount(snapshot=snapshot, category=category,
                                        covered=round(base * factor),
                                        uncovered=round(base * 0.03)))
        SnapshotCount.objects.bulk_create(counts)


@transaction.atomic
def ensure_demo_reports(csm_by_site_id, true_up_site_id=None, today=None, language="en"):
    """Creates the history and reports in the current partner schema, once; the CSM's
    words in `language` (the partner's)."""
    say = in_language(language)
    if MonthlyReport.objects.exists():
        return 0
    today = today or timezone.localdate()
    last_month = figures.add_months(date(today.year, today.month, 1), -1)
    created = 0
    with translation.override(language):
        for customer in Customer.objects.order_by("site_id"):
            contract = _active_contract(customer)
            if contract is None or customer.site_id not in csm_by_site_id:
                continue
            csm = DemoCsm(*csm_by_site_id[customer.site_id])
            ordered = {category: entry.ordered
                       for category, entry in current_baseline(contract).items()}
            growth = Category.HEADSETS if customer.site_id == true_up_site_id else None
            _history(customer, ordered, growth, today)
            for offset in range(PUBLISHED_MONTHS, -1, -1):
                month = figures.add_months(last_month, -offset)
                CsmHours.objects.create(customer=customer, worked_on=month + timedelta(days=9),
                                        hours=3 + offset, description=say("Monthly service review"),
                                        csm_name=csm.display_name, csm_email=csm.email)
                report = services.generate_report(customer, month)
                if report is None:
                    continue
                created += 1
                if offset:
                    services.save_notes(report, say("Installed base stable; firmware campaign on "
                                                    "the video systems planned next month."))
                    services.mark_reviewed(report, csm)
                    services.publish(report, csm, notify=False)
                elif growth:
                    services.save_notes(report, say("Headsets grew past the ordered quantity: a "
                                                    "true-up quote is on its way."))
                    services.issue_quote(report, csm, notify=False)
    return created
