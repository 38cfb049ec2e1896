"""The page's header and footer, written in Python by `{% page_header %}` and
`{% page_footer %}`, character for character as their templates write them
(templates/includes/page_header.html and page_footer.html), in English and in French."""

from datetime import UTC, datetime
from itertools import product

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.template import engines
from django.template.loader import get_template
from django.test import RequestFactory
from django.urls import set_urlconf
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy

from portal.tenants.models import Partner
from portal.users.models import Role, User

CHROME = engines["django"].from_string(
    "{% load navigation %}  {% page_header %}\n  {% page_footer %}\n")

MENU = [
    {"url": "/", "label": gettext_lazy("Dashboard"), "active": False},
    {"url": "/tickets/", "label": gettext_lazy("Tickets"), "active": True},
    {"label": gettext_lazy("Resources"), "active": False, "entries": [
        {"url": "/documents/", "label": gettext_lazy("Documents"), "active": False}]},
]


def brands():
    base = {"slug": "alpha", "schema_name": "alpha",
            "updated_at": datetime(2026, 11, 3, 8, 15, 42, 123456, tzinfo=UTC)}
    return [
        Partner(name="Alpha <Communications> & Co", primary_colour="#0B3D91",
                logo="partners/alpha/logo.png", logo_on_dark="partners/alpha/dark.png",
                support_phone="+44 20 7946 0000", support_email="help@alpha.example", **base),
        Partner(name="Beta Réseaux", primary_colour="#F5F5F5", logo="partners/beta/logo.png",
                logo_on_dark="partners/beta/dark.png", support_email="aide@beta.example",
                **base),
        Partner(name="Gamma", primary_colour="#0B3D91", support_phone="0800 000 000",
                **{**base, "updated_at": None}),
        None,
    ]


def users():
    return [AnonymousUser(),
            User(email="o'neil@alpha.example", first_name="Ann", last_name="O'Neil <x>",
                 role=Role.PARTNER_ADMIN),
            User(email="only-an-address@alpha.example", role=Role.CUSTOMER_USER)]


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("console", [False, True])
def test_the_header_and_footer_write_what_their_templates_write(language, console):
    references = [get_template(f"includes/page_{part}.html") for part in ("header", "footer")]
    set_urlconf(settings.PUBLIC_SCHEMA_URLCONF if console else None)
    try:
        with translation.override(language), timezone.override("Europe/Paris"):
            for brand, user, token, path in product(
                    brands(), users(), ["t0ken<&>", ""],
                    ["/tickets/?q=a&status=<new>", "/"]):
                request = RequestFactory().get(path)
                request.user = user
                context = {"brand": brand, "on_console": console, "user": user,
                           "request": request, "csrf_token": token, "menu": MENU}
                # Each reference begins with the line of its {% load %}.
                expected = "".join(reference.render(context).removeprefix("\n")
                                   for reference in references)
                assert CHROME.render(context) == expected, (brand, user, token, path)
    finally:
        set_urlconf(None)
