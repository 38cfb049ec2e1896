"""Time zones as people choose them: by country and city, in the reader's language.

The stored value stays the IANA key ("Europe/London"); the label reads "United Kingdom —
London" or "Royaume-Uni — Londres". Only zones of a country are offered: aliases ("GB",
"US/Eastern") and zones of no place ("Zulu", "Factory", "localtime", "Etc/GMT+3", "UCT")
are left out. Babel carries the CLDR names of countries and exemplar cities.
"""

from __future__ import annotations

import unicodedata
import zoneinfo
from functools import lru_cache

from babel import Locale
from babel.core import get_global
from babel.dates import get_timezone_location
from django.utils import translation

# CLDR's territory for the zones of no country (Etc/*) and of the whole world.
NO_COUNTRY = {"ZZ", "001"}


def _sort_key(label: str) -> str:
    """Alphabetical as a reader expects it: "États-Unis" among the E."""
    decomposed = unicodedata.normalize("NFKD", label)
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()


@lru_cache(maxsize=1)
def geographic_zones() -> dict[str, str]:
    """{IANA key: country code} for the zones of a country known to this system."""
    territories = get_global("zone_territories")
    return {name: territories[name] for name in zoneinfo.available_timezones()
            if territories.get(name, "ZZ") not in NO_COUNTRY}


def _language(language: str | None) -> str:
    return (language or translation.get_language() or "en").split("-")[0].lower()


@lru_cache(maxsize=8)
def _labels(language: str) -> dict[str, str]:
    locale = Locale.parse("fr" if language == "fr" else "en")
    labels = {}
    for name, country in geographic_zones().items():
        city = get_timezone_location(name, locale=locale, return_city=True)
        labels[name] = f"{locale.territories.get(country, country)} — {city}"
    return labels


def time_zone_label(name: str, *, language: str | None = None) -> str:
    """"France — Paris" for "Europe/Paris"; a zone of no country keeps its key."""
    if not name:
        return "—"
    return _labels(_language(language)).get(name, name)


def time_zone_choices(language: str | None = None) -> list[tuple[str, str]]:
    """(IANA key, label) of every zone of a country, by label, in the active language."""
    labels = _labels(_language(language))
    return sorted(labels.items(), key=lambda item: _sort_key(item[1]))
