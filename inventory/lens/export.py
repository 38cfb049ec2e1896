"""Realistic Poly Lens inventory exports, for the demo, tests and benchmarks.

Deterministic: the same seed, Site ID, catalogue and date give the same file. Models come
from the catalogue (mostly ones the programme covers, some past their end of life, a few
quote-only lines); firmware is mostly current; phones and video devices carry a MAC with
one of Poly's OUIs; headsets have none, as in Lens. Extra columns that the import ignores
(device name, connection state) are there too, as in real exports.
"""

import csv
import io
import random
import re
from datetime import date, datetime, time, timedelta

from portal.catalogue.eligibility import is_eligible
from portal.catalogue.models import ProductModel

ENGLISH = {
    "headers": ["Device Name", "Product", "Serial Number", "Software Version", "Site", "Room",
                "MAC Address", "Connection Status", "Last Detected"],
    "delimiter": ",",
    "date_format": "%Y-%m-%d %H:%M",
    "states": ["Online", "Offline"],
    "sites": ["Headquarters", "North Campus", "City Office", "Data Centre", "Branch 2"],
    "rooms": ["Boardroom", "Huddle {n}", "Room {n}.{m}", "Open space {n}", "Training room {n}"],
}
FRENCH = {
    "headers": ["Nom de l’appareil", "Modèle", "Numéro de série", "Version logicielle",
                "Site", "Salle", "Adresse MAC", "État de la connexion", "Dernière détection"],
    "delimiter": ";",
    "date_format": "%d/%m/%Y %H:%M",
    "states": ["En ligne", "Hors ligne"],
    "sites": ["Siège", "Campus Nord", "Agence centre-ville", "Centre de données", "Agence 2"],
    "rooms": ["Salle du conseil", "Bulle {n}", "Salle {n}.{m}", "Plateau {n}",
              "Salle de formation {n}"],
}
POLY_OUIS = ["00:04:F2", "64:16:7F"]
# How often each kind of model appears, in per cent.
SHARES = {"eligible": 88, "end_of_life": 8, "quote_only": 4}
CATEGORY_WEIGHTS = {"headsets": 6, "voice": 3, "video": 1}


def catalogue_groups(on_date, products=None):
    """{kind: [product model]} for the shares above."""
    groups = {"eligible": [], "end_of_life": [], "quote_only": []}
    for product in products if products is not None else ProductModel.objects.all():
        if product.is_quote_only:
            groups["quote_only"].append(product)
        elif is_eligible(product, on_date):
            groups["eligible"].append(product)
        else:
            groups["end_of_life"].append(product)
    return groups


def older_version(version, rng):
    """An earlier firmware than `version` ("4.2.1" → "4.1.3", "4.0.0" → "3.9.2")."""
    parts = [int(part) for part in re.findall(r"\d+", version)[:3]] or [1]
    parts += [0] * (3 - len(parts))
    major, minor, patch = parts
    if minor > 0:
        minor -= rng.randint(1, minor)
    elif major > 1:
        major, minor = major - 1, rng.randint(5, 9)
    else:
        return "0.9"
    return f"{major}.{minor}.{rng.randint(0, 4)}"


def serial_prefix(site_id):
    return re.sub(r"[^A-Z0-9]", "", site_id.upper())[-6:] or "LENS"


def generate_rows(count, *, site_id, seed=0, as_of=None, french=False, products=None,
                  start=0):
    """[[value per header]]: `count` devices of the customer `site_id`."""
    as_of = as_of or date.today()
    labels = FRENCH if french else ENGLISH
    rng = random.Random(f"{seed}:{site_id}")
    groups = {kind: items for kind, items in catalogue_groups(as_of, products).items()
              if items}
    if not groups:
        raise ValueError("The catalogue is empty.")
    kinds = list(groups)
    kind_weights = [SHARES[kind] for kind in kinds]
    weights = {kind: [CATEGORY_WEIGHTS.get(p.category, 1) for p in items]
               for kind, items in groups.items()}
    prefix = serial_prefix(site_id)
    end_of_day = datetime.combine(as_of, time(18, 0))
    rows = []
    for number in range(start, start + count):
        kind = rng.choices(kinds, kind_weights)[0]
        product = rng.choices(groups[kind], weights[kind])[0]
        family = re.sub(r"[^A-Z0-9]", "", product.family.upper())[:2] or "PL"
        serial = f"{family}{prefix}{number:07d}"
        current = product.current_firmware or "1.0.0"
        firmware = current if rng.random() < 0.75 else older_version(current, rng)
        site = rng.choice(labels["sites"])
        room = rng.choice(labels["rooms"]).format(n=rng.randint(1, 9), m=rng.randint(1, 30))
        if product.category == "headsets":
            mac = ""
        else:
            low = (number * 2654435761 + rng.randrange(1 << 12)) % (1 << 24)
            mac = (f"{rng.choice(POLY_OUIS)}:{low >> 16:02X}:{(low >> 8) & 255:02X}:"
                   f"{low & 255:02X}")
        detected = end_of_day - timedelta(minutes=rng.randrange(60 * 24 * 30))
        model = product.sku if rng.random() < 0.2 else f"Poly {product.name}"
        name = f"{product.family}-{number:05d}"
        rows.append([name, model, serial, firmware, site, room, mac,
                     labels["states"][rng.random() < 0.1],
                     detected.strftime(labels["date_format"])])
    return rows


def lens_export_csv(count, *, site_id, seed=0, as_of=None, french=False, products=None):
    """The export as text: English with `,` and ISO dates, or French with `;` and
    day-first dates. Write it in UTF-8 (`export_bytes` adds the BOM that Excel adds)."""
    labels = FRENCH if french else ENGLISH
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=labels["delimiter"], lineterminator="\r\n")
    writer.writerow(labels["headers"])
    writer.writerows(generate_rows(count, site_id=site_id, seed=seed, as_of=as_of,
                                   french=french, products=products))
    return buffer.getvalue()


def export_bytes(count, **options):
    text = lens_export_csv(count, **options)
    return text.encode("utf-8-sig" if options.get("french") else "utf-8")
