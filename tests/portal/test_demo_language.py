"""A French partner's demo speaks French: tickets, comments, replacements, CSM notes."""

from django_tenants.utils import tenant_context

from reporting.demo import ensure_demo_reports
from reporting.models import CsmHours, MonthlyReport, TrueUpQuote
from tickets.demo import FRENCH, ensure_demo_tickets
from tickets.models import Comment, Rma, Ticket

ENGLISH_WORDS = (" the ", " has ", " no ", " cannot ", " we ", " our ")


def without_tickets():
    """The demo is written once per partner: tickets that browser tests leave (they
    commit) are removed, within this test's transaction."""
    Rma.objects.all().delete()
    Ticket.objects.all().delete()


def test_a_french_partners_demo_tickets_are_in_french(world):
    with tenant_context(world.beta):
        without_tickets()
        assert ensure_demo_tickets(language="fr") > 0
        subjects = set(Ticket.objects.values_list("subject", flat=True))
        assert "Toutes les salles hors ligne" in subjects
        assert "Le casque ne charge plus" in subjects
        assert not subjects & set(FRENCH), "an English subject was written"
        bodies = list(Comment.objects.values_list("body", flat=True))
        texts = [*subjects, *Ticket.objects.values_list("description", flat=True), *bodies]
        for text in texts:
            assert not any(word in f" {text.lower()} " for word in ENGLISH_WORDS), text
        assert any("téléchargements" in body for body in bodies)


def test_an_english_partners_demo_tickets_stay_in_english(world):
    with tenant_context(world.alpha):
        without_tickets()
        ensure_demo_tickets(language="en")
        assert Ticket.objects.filter(subject="All rooms offline").exists()


def test_a_french_partners_demo_reports_carry_french_notes(world):
    with tenant_context(world.beta):
        CsmHours.objects.all().delete()
        TrueUpQuote.objects.all().delete()
        MonthlyReport.objects.all().delete()
        ensure_demo_reports({"BE-0002": ("Camille Moreau", "csm@vendor.example")},
                            true_up_site_id="BE-0002", language="fr")
        assert set(CsmHours.objects.values_list("description", flat=True)) == {
            "Revue de service mensuelle"}
        notes = set(MonthlyReport.objects.exclude(csm_notes="")
                    .values_list("csm_notes", flat=True))
        assert notes and all("casques" in note or "Parc installé" in note for note in notes)
