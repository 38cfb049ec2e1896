"""The promised ship date's rule in words, on the request form and the replacement page, in
the reader's language with the ship-to country's name in it."""

from django.conf import settings
from django.test import override_settings
from django.utils import translation

from tickets.models import Rma
from tickets.rma import services as rma_services

from .test_rma import request


def test_the_rule_names_the_cut_off_and_the_country():
    rule = rma_services.ship_date_rule("FR")
    assert "before 15:00" in rule and "after 15:00, or on a weekend or a public holiday" in rule
    assert "second business day after the request" in rule
    assert rule.endswith("Business days and public holidays: France.")


def test_the_rule_speaks_the_readers_language():
    with translation.override("fr"):
        rule = rma_services.ship_date_rule("DE")
    assert "avant 15:00" in rule and "jour férié" in rule
    assert "Allemagne" in rule and "Germany" not in rule


@override_settings(RMA_ORDER_CUTOFF="12:00")
def test_the_rule_follows_the_cut_off_setting():
    assert "after 12:00" in rma_services.ship_date_rule("GB")
    assert "United Kingdom" in rma_services.ship_date_rule("GB")


def test_the_request_form_and_the_replacement_page_state_the_rule(setup, world):
    setup["device"]("HS-0001")
    client = world["alpha_customer1"].client()
    form = client.get("/rma/new/").content.decode()
    assert "after 15:00, or on a weekend or a public holiday" in form and "France" in form
    # The live preview does not repeat what the form already says...
    preview = client.get("/rma/preview/", {"serial": "HS-0001", "ship_rule_shown": "1"})
    assert "public holiday" not in preview.content.decode()
    # ... and states it where the form could not (staff choose the customer there).
    preview = world["alpha_agent"].client().get("/rma/preview/",
                                                {"serial": "HS-0001", "site_id": "AL-0001"})
    assert "public holiday" in preview.content.decode()
    request(setup, "HS-0001")
    rma = Rma.objects.get()
    page = client.get(f"/rma/{rma.pk}/").content.decode()
    assert "after 15:00, or on a weekend or a public holiday" in page
    assert "business days of FR" not in page


def test_a_french_reader_reads_it_in_french(setup, world):
    setup["device"]("HS-0001")
    client = world["alpha_customer1"].client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    form = client.get("/rma/new/").content.decode()
    assert "après 15:00, un week-end ou un jour férié" in form
    assert "Jours ouvrés et jours fériés\u202f: France." in form
