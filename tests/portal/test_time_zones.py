"""Time zones are chosen by country and city in the reader's language; the IANA key is
what is stored."""

from django.utils import translation
from django_tenants.utils import tenant_context

from contracts.models import Customer
from portal.tenants.models import Partner
from portal.timezones import time_zone_choices, time_zone_label


def labels(language):
    return dict(time_zone_choices(language))


def test_choices_read_country_and_city_in_english_and_french():
    english, french = labels("en"), labels("fr")
    assert english["Europe/London"] == "United Kingdom — London"
    assert french["Europe/London"] == "Royaume-Uni — Londres"
    assert french["Europe/Paris"] == "France — Paris"
    assert french["America/New_York"] == "États-Unis — New York"
    assert english["Asia/Kolkata"] == "India — Kolkata"


def test_zones_of_no_place_and_aliases_are_not_offered():
    keys = set(labels("en"))
    for name in ("Zulu", "Factory", "localtime", "UCT", "UTC", "Etc/UTC", "Etc/GMT+3", "GMT",
                 "GB", "US/Eastern"):
        assert name not in keys, name
    assert not any(key.startswith("Etc/") for key in keys)
    assert len(keys) > 300


def test_choices_are_sorted_by_label_as_a_reader_expects():
    french = [label for _key, label in time_zone_choices("fr")]
    countries = [label.split(" — ")[0] for label in french]
    # "États-Unis" sits among the E, not after "Zimbabwe".
    assert countries.index("Espagne") < countries.index("États-Unis") < countries.index(
        "Éthiopie") < countries.index("Fidji")


def test_a_label_follows_the_active_language_and_an_unknown_key_stays_as_it_is():
    with translation.override("fr"):
        assert time_zone_label("Europe/Berlin") == "Allemagne — Berlin"
    with translation.override("en"):
        assert time_zone_label("Europe/Berlin") == "Germany — Berlin"
    assert time_zone_label("Mars/Olympus") == "Mars/Olympus"


def test_the_customer_form_offers_labels_and_stores_the_key(world):
    client = world["beta_admin"].client()
    customer = world.customer(world.beta, "BE-0001")
    page = client.get(f"/customers/{customer.pk}/edit/").content.decode()
    assert '<option value="Europe/London">Royaume-Uni — Londres</option>' in page
    assert ">Zulu<" not in page and ">Factory<" not in page and "Etc/GMT" not in page
    english = world["alpha_admin"].client().get(
        f"/customers/{world.customer(world.alpha, 'AL-0001').pk}/edit/").content.decode()
    assert '<option value="Europe/London">United Kingdom — London</option>' in english
    with tenant_context(world.beta):
        customer.time_zone = "Europe/London"
        customer.full_clean()
        customer.save()
        assert Customer.objects.get(pk=customer.pk).time_zone == "Europe/London"
    page = client.get(f"/customers/{customer.pk}/").content.decode()
    assert "Royaume-Uni — Londres" in page


def test_the_partner_support_hours_offer_the_same_labels():
    field = Partner._meta.get_field("time_zone")
    with translation.override("fr"):
        assert dict(field.choices)["Europe/Paris"] == "France — Paris"
    with translation.override("en"):
        assert dict(field.choices)["Europe/Paris"] == "France — Paris"
        assert dict(field.choices)["Europe/Madrid"] == "Spain — Madrid"
