import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from django.test import Client

ROOT = Path(__file__).resolve().parents[2]


def untranslated_entries(po_text):
    """msgids whose msgstr is empty or that are marked fuzzy (header excluded)."""
    problems = []
    for block in po_text.split("\n\n")[1:]:
        if "#, fuzzy" in block:
            problems.append(block)
            continue
        msgstrs = re.findall(r'^msgstr(?:\[\d\])? "(.*)"\n?((?:".*"\n?)*)', block, re.M)
        if any(first == "" and not rest.strip() for first, rest in msgstrs):
            problems.append(block)
    return problems


def test_the_french_catalogue_covers_every_string(tmp_path):
    # makemessages writes next to the sources it scans: scan a copy, so that the check
    # never rewrites the repository's own catalogue.
    copy = tmp_path / "src"
    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(
        ".venv", ".data", ".git", "node_modules", "staticfiles", "test-artifacts", "media",
        "__pycache__", "*.pyc", "*.mo"))
    scratch = copy / "locale"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.i18n_settings",
           "I18N_CHECK_DIR": str(scratch)}
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "fr", "--no-obsolete",
         "--ignore", "tests/*", "--ignore", "bench/*"],
        cwd=copy, env=env, check=True, capture_output=True,
    )
    po = (scratch / "fr" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    missing = untranslated_entries(po)
    assert not missing, "untranslated French strings:\n\n" + "\n\n".join(missing[:20])


def test_the_compiled_catalogue_is_up_to_date():
    po = ROOT / "locale/fr/LC_MESSAGES/django.po"
    mo = ROOT / "locale/fr/LC_MESSAGES/django.mo"
    assert mo.exists() and mo.stat().st_size > 0
    compiled = subprocess.run(["msgfmt", "-o", "-", str(po)], capture_output=True,
                              check=True).stdout
    assert compiled == mo.read_bytes(), "run `make messages` to recompile django.mo"


def test_a_french_partner_serves_french_by_default(world):
    body = Client(HTTP_HOST="beta.localhost").get("/accounts/login/").content.decode()
    assert '<html lang="fr">' in body
    assert "Se connecter" in body


def test_an_english_partner_serves_english_by_default(world):
    body = Client(HTTP_HOST="alpha.localhost").get("/accounts/login/").content.decode()
    assert '<html lang="en">' in body
    assert "Sign in" in body


def test_the_switcher_changes_the_language_and_remembers_it(world):
    client = Client(HTTP_HOST="alpha.localhost")
    response = client.post("/language/", {"language": "fr", "next": "/accounts/login/"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert "Se connecter" in client.get("/accounts/login/").content.decode()


def test_the_switcher_saves_the_preference_of_a_logged_in_user(world):
    person = world["beta_agent"]
    client = person.client()
    client.post("/language/", {"language": "en", "next": "/"})
    fresh = person.client()  # a new session: no cookie, the preference alone decides
    assert "Dashboard" in fresh.get("/").content.decode()


def test_the_switcher_refuses_foreign_redirects_and_unknown_languages(world):
    client = Client(HTTP_HOST="alpha.localhost")
    response = client.post("/language/", {"language": "fr", "next": "https://evil.example/"})
    assert response["Location"] == "/"
    assert client.post("/language/", {"language": "de"}).status_code == 404


def test_french_strings_set_a_narrow_no_break_space_before_high_punctuation():
    import polib

    catalogue = polib.pofile(str(ROOT / "locale/fr/LC_MESSAGES/django.po"))
    wrong = []
    for entry in catalogue:
        for text in [entry.msgstr, *entry.msgstr_plural.values()]:
            # A plain or a full no-break space before ; ! ? or a colon ending a label,
            # or a literal percent: French typography wants a narrow no-break one.
            if re.search(r"[ \u00a0][;!?]|[ \u00a0]:(\s|$)|\w[ \u00a0]?%%", text):
                wrong.append(text)
    assert not wrong, "\n".join(wrong[:20])
