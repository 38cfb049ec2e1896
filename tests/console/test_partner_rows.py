"""The console's partners' list reads its rows in one query, domains included, and writes
them character for character as the rows of Partner instances with their domains
prefetched were written, in English and in French."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse, set_urlconf
from django.utils import translation
from django.utils.html import format_html

from console.crossschema import listed_partners
from console.tables import PARTNER_COLUMNS, _row_template, partner_rows
from portal.lists import status_badge
from portal.tenants.models import Domain, Partner

SWATCH = ('<svg class="swatch" viewBox="0 0 1 1" aria-hidden="true" focusable="false">'
          '<rect width="1" height="1" fill="{}"/></svg>')


def former_rows(partners, user):
    """The rows as written from Partner instances: the route reversed, the language's and
    the status's labels read from the model for each row."""
    row_html = _row_template(PARTNER_COLUMNS, {3: "{} {}"})
    return [format_html(
        row_html,
        format_html('<a href="{}">{}</a>', reverse("console_partner_detail",
                                                   args=[partner.slug]), partner.name)
        if user.is_vendor_admin else partner.name,
        ", ".join(domain.domain for domain in partner.domains.all()),
        partner.get_default_language_display(), format_html(SWATCH, partner.primary_colour),
        format_html(SWATCH, partner.accent_colour), status_badge(partner))
        for partner in partners]


@pytest.fixture
def partners(db):
    made = Partner.objects.bulk_create([
        Partner(slug="acme", schema_name="acme", name='Acme <&> "Ltd"',
                status=Partner.Status.ACTIVE, default_language="fr",
                primary_colour="#000000", accent_colour="#ffffff"),
        Partner(slug="brisk", schema_name="brisk", name="Brisk",
                status=Partner.Status.PROVISIONING),
        Partner(slug="corvid", schema_name="corvid", name="Corvid",
                status=Partner.Status.FAILED),
        Partner(slug="acme-2", schema_name="acme_2", name='Acme <&> "Ltd"',
                status=Partner.Status.ACTIVE),
    ])
    acme, brisk = made[0], made[1]
    Domain.objects.bulk_create([
        Domain(tenant=acme, domain="portal.acme.example", is_primary=True),
        Domain(tenant=acme, domain="a.acme.example", is_primary=False),
        Domain(tenant=acme, domain="z.acme.example", is_primary=False),
        Domain(tenant=brisk, domain="brisk.example", is_primary=True),
    ])
    return made


@pytest.fixture
def console_urls(settings):
    # The console's routes, as its requests see them.
    set_urlconf(settings.PUBLIC_SCHEMA_URLCONF)
    yield
    set_urlconf(None)


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("persona", ["vendor_admin", "support_engineer"])
@pytest.mark.parametrize("query", ["", "acme", "BRISK.EX"])
def test_the_rows_read_in_one_query_are_written_as_the_partners_were(
        world, partners, console_urls, language, persona, query):
    user = world[persona].user
    found = Partner.objects.partners().prefetch_related("domains").order_by("name", "pk")
    if query:
        found = found.filter(pk__in=[partner.pk for partner in found if query.lower() in (
            f"{partner.name} {partner.slug} "
            + " ".join(domain.domain for domain in partner.domains.all())).lower()])
    with translation.override(language):
        rows, total = listed_partners(query=query)
        assert [str(row) for row in partner_rows(rows, user)] == former_rows(found, user)
    assert total == len(found) > 0


def test_a_search_matches_a_domain_and_takes_its_wildcards_as_they_are(partners):
    assert [row.slug for row in listed_partners(query="a.acme")[0]] == ["acme"]
    assert listed_partners(query="%") == ([], 0)
    assert listed_partners(query="acme_") == ([], 0)
    rows, total = listed_partners(query="acme", limit=1, offset=1)
    assert [row.slug for row in rows] == ["acme-2"] and total == 2
    assert listed_partners(query="acme", limit=1, offset=2) == ([], 0)


def test_a_page_of_partners_is_one_query(partners):
    with CaptureQueriesContext(connection) as queries:
        rows, total = listed_partners(limit=2, offset=1)
    assert len(queries) == 1
    assert total == Partner.objects.partners().count()
    assert [row.slug for row in rows] == [partner.slug for partner in Partner.objects.partners()
                                          .order_by("name", "pk")[1:3]]
