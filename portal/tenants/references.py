"""Partner-qualified references (`NW-T-000002`): the console shows objects of every
partner side by side, and a ticket's or replacement's number repeats across partners."""

import re
import unicodedata
from itertools import product
from string import ascii_uppercase

PREFIX_PATTERN = r"^[A-Z]{2,6}$"

# `NW-T-000002`, `nw-t-2`, `T-000002`, `RMA-12`: an optional partner prefix, the kind and
# the number, zeros optional.
_REFERENCE = re.compile(
    r"^\s*(?:(?P<prefix>[A-Za-z]{2,6})-)?(?P<kind>T|RMA)-0*(?P<number>\d{1,12})\s*$",
    re.IGNORECASE)


def _letters(text):
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return [word.upper() for word in re.split(r"[^A-Za-z]+", ascii_text) if word]


def reference_prefix_for(name, slug, taken=()):
    """A prefix of 2 to 6 capital letters for a new partner, not in `taken`: the initials
    of its name's words, else the first letters of its name or slug; letters are added
    when another partner has it already."""
    words = _letters(name) or _letters(slug) or ["P"]
    base = "".join(word[0] for word in words)[:4]
    if len(base) < 2:
        base = (words[0] + "XX")[:2] if len(words[0]) < 2 else words[0][:2]
    taken = {prefix for prefix in taken if prefix}
    for prefix in _prefixes(base):
        if prefix not in taken:
            return prefix
    raise ValueError("no reference prefix left")


def _prefixes(base):
    """`base`, then `base` and shorter stems of it followed by one letter, two, … up to
    six letters in all: hundreds of partners may share initials ("Best Price …")."""
    yield base
    for stem in dict.fromkeys((base, base[:3], base[:2])):
        for length in range(1, 7 - len(stem)):
            for letters in product(ascii_uppercase, repeat=length):
                yield stem + "".join(letters)


def qualified(prefix, reference):
    return f"{prefix}-{reference}" if prefix else reference


def parse_reference(text):
    """(prefix or "", kind "T" or "RMA", number) when `text` reads as a reference, else
    None."""
    found = _REFERENCE.match(text or "")
    if found is None:
        return None
    return ((found["prefix"] or "").upper(), found["kind"].upper(), int(found["number"]))
