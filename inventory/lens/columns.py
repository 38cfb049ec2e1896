"""The columns of a Poly Lens export, and the rule of each: one table read by the
row-by-row check, the column check and the database path (inventory.lens.checking and
inventory.lens.bulk), so that a value is read the same way whichever way the file goes.

Per field (`COLUMNS`): the header names it goes by, `read` (the value as the file gives
it → the value as stored, or the error that refuses it) and `sql` (the same reading as an
SQL expression over the file's value, for the database path).
"""

import re
import string
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from datetime import timezone as dt_timezone
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.catalogue.models import ProductModel
from portal.csvimport import aliases_for, normalise_header

from ..models import mac_validator, normalise_mac, normalise_serial, serial_validator

# The rows' values, in the order of the staging table's columns.
STAGING_COLUMNS = ["serial", "product_model_id", "site", "room", "mac", "firmware",
                   "last_seen"]

DAY_FIRST = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?")
ISO_LIKE = re.compile(r"\d{4}-\d{2}-\d{2}")
# The models' own patterns, compiled here: Django's are lazy objects, slow to call 100,000
# times.
MAC_PATTERN = re.compile(mac_validator.regex.pattern)
SERIAL_PATTERN = re.compile(serial_validator.regex.pattern)
# The same rules for a whole column at once, its values one per line: every serial well
# formed; every MAC address empty or as stored.
_ONE_SERIAL = serial_validator.regex.pattern.removeprefix("^").removesuffix("$")
SERIALS_PATTERN = re.compile(rf"(?:{_ONE_SERIAL}\n)*{_ONE_SERIAL}")
_ONE_MAC = mac_validator.regex.pattern.removeprefix("^").removesuffix("$")
MACS_PATTERN = re.compile(rf"(?:(?:{_ONE_MAC})?\n)*(?:{_ONE_MAC})?")


class ModelMatcher:
    """A product model from a Lens value: the SKU first, then the name, case-insensitively
    (with or without the "Poly" that Lens puts before names)."""

    def __init__(self):
        self.by_sku, self.by_name = {}, {}
        for pk, sku, name in ProductModel.objects.values_list("pk", "sku", "name"):
            self.by_sku[sku.upper()] = pk
            key = name.casefold()
            # Two models of the same name: only their SKUs tell them apart.
            self.by_name[key] = None if key in self.by_name else pk
        self.cache = {}

    def match(self, value):
        """(primary key, None) or (None, error message)."""
        if value not in self.cache:
            self.cache[value] = self._match(value)
        return self.cache[value]

    def _match(self, value):
        if value.upper() in self.by_sku:
            return self.by_sku[value.upper()], None
        name = " ".join(value.casefold().split())
        for key in (name, name.removeprefix("poly ")):
            if key in self.by_name:
                if self.by_name[key] is None:
                    return None, _("“%(model)s” names several product models: use the "
                                   "SKU.") % {"model": value}
                return self.by_name[key], None
        return None, _("Unknown product model “%(sku)s”.") % {"sku": value}


class Reading:
    """What reading the values of one file for one customer needs: the customer's time
    zone, the catalogue (read once, on first use) and what was already worked out."""

    def __init__(self, customer):
        self.zone = ZoneInfo(customer.time_zone)
        self.offsets = {}  # {UTC offset: its text}, see detected_text
        self._matcher = None

    @property
    def matcher(self):
        if self._matcher is None:
            self._matcher = ModelMatcher()
        return self._matcher


# Reading one value: (value as stored, None), or (None, why it is refused).


def read_serial(value, reading=None):
    serial = normalise_serial(value)
    if not serial:
        return None, _("The serial number is missing.")
    if not SERIAL_PATTERN.match(serial):
        return None, _("“%(serial)s” is not a valid serial number: use 6 to 40 capital "
                       "letters, digits or hyphens.") % {"serial": serial}
    return serial, None


def read_model(value, reading):
    """The product model's primary key."""
    model = value.strip()
    if not model:
        return None, _("The product model is missing.")
    return reading.matcher.match(model)


def text_reader(max_length):
    def read_text(value, reading=None):
        text = value.strip()
        if len(text) > max_length:
            return None, _("This value is too long: at most %(max)d characters.") % {
                "max": max_length}
        return text, None
    return read_text


def read_mac(value, reading=None):
    """The MAC address as stored (upper case, colons), or "" when there is none."""
    mac = value.strip()
    if mac:
        mac = mac.upper()
        if not MAC_PATTERN.match(mac):
            mac = normalise_mac(mac)
            if not MAC_PATTERN.match(mac):
                return None, _("“%(value)s” is not a MAC address such as "
                               "00:04:F2:AB:CD:EF.") % {"value": value.strip()}
    return mac, None


def read_detected(value, reading):
    """`detected_text` of the moment, or "" when there is none."""
    detected = value.strip()
    if detected:
        detected = detected_text(detected, reading.zone, reading.offsets)
        if detected is None:
            return None, _("“%(value)s” is not a date and time: use YYYY-MM-DD HH:MM or "
                           "DD/MM/YYYY HH:MM.") % {"value": value.strip()}
    return detected, None


def parse_detected(value, zone):
    """An aware datetime from `YYYY-MM-DD HH:MM[:SS]` (ISO, with or without an offset) or
    `DD/MM/YYYY HH:MM[:SS]`; a time without offset is in `zone`. None if unreadable."""
    moment = _read_moment(value)
    if moment is not None and moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment


def detected_text(value, zone, offsets):
    """`parse_detected(value, zone)` as text for the COPY (its `isoformat(sep=" ")`), or
    None if unreadable.

    Quicker than making the aware datetime: the zone's offset for a local time is cheap to
    ask for, and `offsets` ({offset: text}) keeps the few offsets of a file written out.
    """
    moment = _read_moment(value)
    if moment is None or moment.tzinfo is not None:
        return moment and moment.isoformat(sep=" ")
    # What `replace(tzinfo=zone)` would give: the same fields, fold included.
    offset = zone.utcoffset(moment)
    if offset not in offsets:
        offsets[offset] = datetime(2000, 1, 1, tzinfo=dt_timezone(offset)).isoformat()[19:]
    return moment.isoformat(sep=" ") + offsets[offset]


def _read_moment(value):
    """The datetime written in `value` (naive unless it carries an offset), or None."""
    try:
        if ISO_LIKE.match(value):
            moment = datetime.fromisoformat(value)
        else:
            match = DAY_FIRST.fullmatch(value)
            if match is None:
                return None
            day, month, year, hour, minute, second = (int(part or 0)
                                                      for part in match.groups())
            moment = datetime(year, month, day, hour, minute, second)
    except ValueError:
        return None
    return moment


# The same readings in SQL, over the file's value as text. Upper case as Python's, for the
# ASCII letters only: the database path takes only ASCII serials and MAC addresses.


def upper_sql(expression):
    return (f"translate({expression}, '{string.ascii_lowercase}', "
            f"'{string.ascii_uppercase}')")


def upper_hex_sql(expression):
    return f"translate({expression}, 'abcdef', 'ABCDEF')"


def as_is_sql(expression):
    return expression


@dataclass(frozen=True)
class LensColumn:
    label: str  # the field as people call it, in their language (lazy)
    headers: list
    read: Callable  # (value, Reading) -> (value as stored, None) or (None, message)
    # The value as stored, in SQL, from the file's value: None for a column whose distinct
    # values the database path reads in Python and joins in as a table.
    sql: Callable | None
    required: bool = False


# Header names as Poly Lens writes them, in English and French exports, the usual English
# then the usual French name first (named when a required column is missing). Case,
# accents, spaces, hyphens and apostrophes do not matter. A column known by none of these names
# stops the import until someone says what it holds, or that it is to be ignored
# (inventory.lens.headers): a column of a new export is never dropped silently.
COLUMNS = {
    "serial": LensColumn(gettext_lazy("Serial number"),
                         ["Serial Number", "Numéro de série", "Serial", "serial_number",
                          "N° de série", "Numéro de série de l'appareil"],
                         read_serial, upper_sql, required=True),
    "model": LensColumn(gettext_lazy("Product model"),
                        ["Product", "Modèle", "Model", "Product Name", "device_model",
                         "Device Model", "Produit", "Nom du produit", "Modèle de l'appareil"],
                        read_model, None, required=True),
    "firmware": LensColumn(gettext_lazy("Firmware version"),
                           ["Software Version", "Version logicielle", "Firmware",
                            "Firmware Version", "Version du logiciel",
                            "Version du micrologiciel", "Micrologiciel"],
                           text_reader(40), as_is_sql),
    "site": LensColumn(gettext_lazy("Site"), ["Site", "site_name", "Site Name", "Nom du site"],
                       text_reader(120), as_is_sql),
    "room": LensColumn(gettext_lazy("Room"), ["Room", "Salle", "room_name", "Room Name",
                                       "Nom de la salle", "Pièce"],
                       text_reader(120), as_is_sql),
    "mac": LensColumn(gettext_lazy("MAC address"), ["MAC Address", "Adresse MAC",
                                             "mac_address", "MAC"],
                      read_mac, upper_hex_sql),
    "last_detected": LensColumn(gettext_lazy("Last detected"),
                                ["Last Detected", "Dernière détection", "Last Seen",
                                 "Dernière connexion"],
                                read_detected, None),
}
# Columns Lens exports carry that the portal does not keep: known, so never asked about.
NOT_KEPT_HEADERS = ["Device Name", "Nom de l'appareil", "Connection Status", "Status",
                    "État de la connexion", "État", "Statut", "IP Address", "Adresse IP"]
LENS_HEADERS = {field: column.headers for field, column in COLUMNS.items()}
LENS_ALIASES = aliases_for(LENS_HEADERS)
NOT_KEPT = {normalise_header(name) for name in NOT_KEPT_HEADERS}
LENS_COLUMNS = list(COLUMNS)
LENS_REQUIRED = [field for field, column in COLUMNS.items() if column.required]


def field_label(field):
    """The field as people call it, in the current language."""
    return str(COLUMNS[field].label)


def read_distinct(field, values, reading):
    """{value: value as stored} for the distinct `values` of a column, or None as soon as
    one of them is refused."""
    read = COLUMNS[field].read
    stored = {}
    for value in values:
        stored[value], message = read(value, reading)
        if message is not None:
            return None
    return stored
