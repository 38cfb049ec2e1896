"""Every page of a French partner's portal, for each of its roles, and the vendor console
for a French-speaking vendor user, shows no string of the English catalogue.

The English strings are the msgids of the French catalogue whose translation differs; a
page fails when one of them appears verbatim in its visible text or in the attributes a
reader meets (title, placeholder, aria-label, alt). The routes come from the URL
configuration with the sample objects of the access matrix, one request per page.
"""

import re
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
from django_tenants.utils import schema_context, tenant_context

from portal.users.models import User
from tests.test_access_matrix import expected_status, our_routes, sample_path

CATALOGUE = Path(__file__).resolve().parents[2] / "locale/fr/LC_MESSAGES/django.po"
PLACEHOLDER = re.compile(r"%\(\w+\)[sdf]|%[sd]|\{\{.*?\}\}|<[^>]+>")
READ_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt"}
# Not prose: scripts, and what a file or a system carries, quoted as code.
HIDDEN = {"script", "style", "template", "code", "kbd", "samp"}
# A language's name is shown in that language, for whoever looks for it.
LANGUAGE_NAMES = {"English"}


def _fragments(msgid):
    """The literal pieces of a msgid that a page shows as they are (placeholders out)."""
    return [piece.strip(" .,:;()·—“”\"'") for piece in PLACEHOLDER.split(msgid)]


@lru_cache(maxsize=1)
def english_strings():
    """{text that must not appear: its msgid}: translated msgids of some length, none that
    a French string of the catalogue carries itself (a loanword such as "SLA")."""
    catalogue = polib.pofile(str(CATALOGUE))
    entries = [entry for entry in catalogue if not entry.obsolete and (
        entry.msgstr and entry.msgstr.strip() != entry.msgid.strip()
        or entry.msgid_plural and entry.msgstr_plural.get(1, entry.msgid) != entry.msgid)]
    french = "\n".join(entry.msgstr for entry in catalogue) + "\n" + "\n".join(
        text for entry in catalogue for text in entry.msgstr_plural.values())
    wanted = {}
    for entry in entries:
        pieces = _fragments(entry.msgid) + (_fragments(entry.msgid_plural)
                                            if entry.msgid_plural else [])
        for piece in pieces:
            words = piece.split()
            # One word is ambiguous unless it is the whole string and not a mere
            # abbreviation ("Customer" of "Customer %(name)s has been saved." is not).
            if not words or (len(words) == 1 and (len(piece) < 4 or len(pieces) > 1)) \
                    or piece in LANGUAGE_NAMES:
                continue
            if re.search(rf"(?<!\w){re.escape(piece)}(?!\w)", french):
                continue
            wanted[piece] = entry.msgid
    return wanted


def _shown(piece, text):
    """Where `piece` is shown: anywhere for a phrase; a single word only as a whole label
    (a heading, a button, "Customer:"), never inside a name such as "Alpha Customer One"."""
    if " " in piece:
        return re.search(rf"(?<!\w){re.escape(piece)}(?!\w)", text)
    return re.search(rf"^{re.escape(piece)}[\u202f\u00a0 ]?:?$", text, re.M)


class VisibleText(HTMLParser):
    """The text a reader meets: text nodes (not scripts, not code), and reading attributes."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.chunks, self._hidden = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in HIDDEN:
            self._hidden += 1
        self.chunks.extend(value for name, value in attrs
                           if name in READ_ATTRIBUTES and value)

    def handle_endtag(self, tag):
        if tag in HIDDEN and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.chunks.append(" ".join(data.split()))


def english_left(html):
    """The English msgids the page shows, each with the text it was seen in."""
    parser = VisibleText()
    parser.feed(html)
    text = "\n".join(parser.chunks)
    found = {}
    for piece, msgid in english_strings().items():
        if piece not in text:
            continue
        match = _shown(piece, text)
        if match:
            found[msgid] = text[max(match.start() - 30, 0):match.end() + 30].replace("\n", " / ")
    return dict(sorted(found.items()))


class FrenchSamples:
    """The access matrix's world with the French partner's customers standing in for
    Alpha's: its samples land in Beta when the persona is Beta's."""

    STAND_INS = {"AL-0001": "BE-0002", "AL-0002": "BE-0001"}

    def __init__(self, world):
        self._world = world

    def __getattr__(self, name):
        return getattr(self._world, name)

    def __getitem__(self, key):
        return self._world[key]

    def customer(self, tenant, site_id):
        if tenant.slug == "beta":
            site_id = self.STAND_INS.get(site_id, site_id)
        return self._world.customer(tenant, site_id)


@pytest.fixture
def french_world(world):
    from reporting.demo import ensure_demo_reports
    from tickets.demo import ensure_demo_tickets

    # A portal with content: lists with rows, reports, tickets at every step.
    with tenant_context(world.beta):
        ensure_demo_tickets(language="fr")
        ensure_demo_reports({"BE-0002": ("Camille Moreau", "csm@vendor.example")},
                            language="fr")
    return FrenchSamples(world)


def walk_pages(world, persona, urlconf):
    """(path, English strings found) for each page the persona may open."""
    person = world[persona]
    client = person.client()
    found = []
    for route, pattern in our_routes(urlconf):
        if expected_status(pattern, person.user.role) != 200:
            continue
        path = sample_path(world, person.tenant, route, pattern)
        response = client.get(path)
        assert response.status_code == 200, f"{persona} GET {path}"
        if not response.get("Content-Type", "").startswith("text/html"):
            continue
        html = response.content.decode()
        if path == "/" or "<html" in html:
            assert '<html lang="fr"' in html, f"{path} is not served in French"
        left = english_left(html)
        if left:
            found.append((path, left))
    return found


def report(found):
    return "English left on French pages:\n" + "\n".join(
        f"  {path}: {msgid!r} in «{seen}»" for path, left in found
        for msgid, seen in left.items())


@pytest.mark.parametrize("persona", ["beta_admin", "beta_agent", "beta_customer2"])
def test_every_page_of_the_french_portal_is_in_french(french_world, persona):
    found = walk_pages(french_world, persona, "portal.urls_tenant")
    if found:
        pytest.fail(report(found), pytrace=False)


@pytest.mark.parametrize("persona", ["vendor_admin", "csm", "support_engineer"])
def test_the_console_is_in_french_for_a_french_vendor_user(french_world, persona):
    with schema_context("public"):
        User.objects.filter(pk=french_world[persona].user.pk).update(language="fr")
        french_world[persona].user.refresh_from_db()
    found = walk_pages(french_world, persona, "portal.urls_public")
    if found:
        pytest.fail(report(found), pytrace=False)


def test_the_check_finds_an_english_string():
    assert english_strings()["Customer Success Manager"] == "Customer Success Manager"
    found = english_left("<p>Nothing to see</p><button title='Assign a Customer Success "
                         "Manager to each customer.'>x</button>")
    assert list(found) == ["Assign a Customer Success Manager to each customer.",
                           "Customer Success Manager"]
    assert english_left("<p>Attribuez un responsable du succès client.</p>") == {}
    # A column heading left in English is found; the same word inside a name is not.
    assert list(english_left("<th>Customer</th>")) == ["Customer"]
    assert english_left("<td>Alpha Customer One</td>") == {}
    # What a file carries (a Lens header, a key) is quoted as code, not prose.
    assert english_left("<li>Modèle : <code>Product Name</code></li>") == {}
