"""The demo dataset's people and partners (plain data: the launcher prints it too)."""

DEMO_PASSWORD = "polyplus-demo-2026"

VENDOR_STAFF = [
    ("admin@polyplus.example", "Vera", "Lindqvist", "vendor_admin"),
    ("csm.north@polyplus.example", "Camille", "Moreau", "csm"),
    ("csm.south@polyplus.example", "Daniel", "Okafor", "csm"),
    ("support@polyplus.example", "Sam", "Reyes", "support_engineer"),
]

PARTNERS = [
    {
        "slug": "northwind",
        "name": "Northwind Unified Communications",
        "branding": {
            "primary_colour": "#1d3f8f", "accent_colour": "#f59e0b",
            "support_phone": "+44 20 7946 0101", "support_email": "help@northwind-uc.example",
            "email_sender_name": "Northwind UC Support", "default_language": "en",
        },
        "staff": [
            ("admin@northwind-uc.example", "Olivia", "Grant", "partner_admin"),
            ("agent@northwind-uc.example", "Harry", "Patel", "partner_agent"),
        ],
        # Its headsets grew past the true-up threshold: a quote waits for the partner.
        "true_up_customer": "NW-100202",
        # The partner's own service desk, told of every ticket and replacement change.
        "webhook": ("https://psa.northwind-uc.example/hooks/polyplus",
                    ["ticket.created", "ticket.updated", "ticket.resolved",
                     "rma.status_changed", "report.published", "true_up.quoted"]),
        "customers": [
            ("Contoso Pharmaceuticals", "NW-100201", "it@contoso-pharma.example", "Ian", "Brooks"),
            ("Fabrikam Logistics", "NW-100202", "helpdesk@fabrikam.example", "Maya", "Singh"),
        ],
    },
    {
        "slug": "azur",
        "name": "Azur Télécom Services",
        "branding": {
            "primary_colour": "#0f766e", "accent_colour": "#9333ea",
            "support_phone": "+33 1 70 36 01 02", "support_email": "support@azur-telecom.example",
            "email_sender_name": "Azur Télécom — Assistance", "default_language": "fr",
        },
        # The first customer's headset replacements go past the free allowance.
        "headset_rmas_over_threshold": 2,
        "staff": [
            ("admin@azur-telecom.example", "Élise", "Fournier", "partner_admin"),
            ("agent@azur-telecom.example", "Julien", "Marchand", "partner_agent"),
        ],
        "customers": [
            ("Hôpital Saint-Vincent", "AZ-200301", "dsi@hopital-st-vincent.example", "Claire",
             "Dubois"),
            ("Lycée Jean Moulin", "AZ-200302", "informatique@lycee-moulin.example", "Hugo",
             "Lefèvre"),
        ],
    },
]

# The vendor's catalogue: (sku, name, family, category, quote-only line, end of life,
# end of service, list price, current firmware). Dates are ISO strings.
CATALOGUE = [
    ("VOY-8200-UC", "Voyager 8200 UC", "Voyager", "headsets", "", None, None, "289.00", "4.2.1"),
    ("VOY-4320-UC", "Voyager 4320 UC", "Voyager", "headsets", "", None, None, "179.00", "3.9.0"),
    ("VOY-FOCUS2", "Voyager Focus 2", "Voyager", "headsets", "", None, None, "329.00", "2.7.4"),
    ("BW-3320-USB", "Blackwire 3320", "Blackwire", "headsets", "", None, None, "59.00", "1.8.2"),
    ("BW-5220", "Blackwire 5220", "Blackwire", "headsets", "", "2025-06-30", "2027-06-30",
     "99.00", "2.1.0"),
    ("BW-C720", "Blackwire C720", "Blackwire", "headsets", "", "2021-12-31", "2023-12-31",
     "149.00", "1.4.3"),
    ("SAVI-8245", "Savi 8245 Office", "Savi", "headsets", "", None, None, "399.00", "5.1.0"),
    ("SAVI-W745", "Savi W745", "Savi", "headsets", "", "2020-03-31", "2022-03-31", "349.00",
     "3.0.2"),
    ("EP-520", "EncorePro 520", "EncorePro", "headsets", "", None, None, "119.00", "1.2.0"),
    ("STUDIO-X30", "Studio X30", "Studio X", "video", "", "2026-12-31", "2029-12-31",
     "1499.00", "4.3.0"),
    ("STUDIO-X50", "Studio X50", "Studio X", "video", "", None, None, "2999.00", "4.3.0"),
    ("STUDIO-X52", "Studio X52", "Studio X", "video", "", None, None, "3499.00", "4.3.0"),
    ("STUDIO-X70", "Studio X70", "Studio X", "video", "", None, None, "6999.00", "4.3.0"),
    ("G7500", "G7500", "G7500", "video", "", None, None, "4999.00", "4.3.0"),
    ("STUDIO-P15", "Studio P15", "Studio P", "video", "", None, None, "499.00", "1.6.2"),
    ("STUDIO-P5", "Studio P5", "Studio P", "video", "", "2024-09-30", "2026-09-30", "129.00",
     "1.3.9"),
    ("CCX-400", "CCX 400", "CCX", "voice", "", None, None, "249.00", "9.1.2"),
    ("CCX-600", "CCX 600", "CCX", "voice", "", None, None, "449.00", "9.1.2"),
    ("VVX-450", "VVX 450", "VVX", "voice", "", "2023-08-31", "2026-08-31", "329.00",
     "6.4.6"),
    ("TRIO-C60", "Trio C60", "Trio", "voice", "", None, None, "1299.00", "8.2.0"),
    ("TRIO-8800", "Trio 8800", "Trio", "voice", "", "2022-05-31", "2025-05-31", "1099.00",
     "7.2.4"),
    ("SYNC-20", "Sync 20", "Sync", "voice", "", None, None, "179.00", "1.5.0"),
    ("EDGE-E350", "Edge E350", "Edge", "voice", "", None, None, "299.00", "8.1.1"),
    ("ITP-RPX-218", "RealPresence Immersive Studio", "Immersive Telepresence", "video", "itp",
     None, None, "249000.00", "6.2.0"),
    ("MEDIALIGN-65", "Medialign 65\"", "Medialign", "video", "medialign", None, None,
     "18500.00", "3.1.0"),
    ("TELEHEALTH-ST", "Telehealth Station", "Vertical solutions", "video", "telehealth",
     None, None, "12900.00", "2.0.4"),
    ("EDUCART-PRO", "EduCart Pro", "Vertical solutions", "video", "educart", None, None,
     "8900.00", "2.0.4"),
    ("RPRM-INFRA", "RealPresence Resource Manager", "Infrastructure", "video",
     "infrastructure", None, None, "15500.00", "10.10.0"),
]


def ensure_demo_models():
    """The catalogue's demo models, those missing added (demo seeding and the benches)."""
    # portal/stack.py reads this module's names before Django is set up.
    from portal.catalogue.models import ProductModel

    fields = ["name", "family", "category", "quote_only_line", "end_of_life",
              "end_of_service", "list_price", "current_firmware"]
    for sku, *values in CATALOGUE:
        ProductModel.objects.get_or_create(sku=sku, defaults=dict(zip(fields, values,
                                                                     strict=True)))

# Per demo customer: where it is, who looks after it, and what its contract covers:
# {category: (installed, growth, annual price per device)}. A customer with
# "renewed": True also gets last year's contract, adjusted mid-term and renewed.
CUSTOMER_DETAILS = {
    "NW-100201": {
        "address": "1 Canada Square", "postal_code": "E14 5AB", "city": "London",
        "country": "GB", "time_zone": "Europe/London", "language": "en",
        "csm": "csm.north@polyplus.example", "csm_blocks_per_month": 2, "tam_hours": 20,
        "lines": {"headsets": (420, 40, "24.00"), "video": (18, 2, "310.00"),
                  "voice": (150, 10, "36.00")},
        "renewed": True,
    },
    "NW-100202": {
        "address": "Europaallee 12", "postal_code": "60327", "city": "Frankfurt am Main",
        "country": "DE", "time_zone": "Europe/Berlin", "language": "en",
        "csm": "csm.north@polyplus.example", "csm_blocks_per_month": 1, "tam_hours": 0,
        "lines": {"headsets": (260, 20, "24.00"), "voice": (90, 0, "36.00")},
    },
    "AZ-200301": {
        "address": "12 rue de l'Hôpital", "postal_code": "69003", "city": "Lyon",
        "country": "FR", "time_zone": "Europe/Paris", "language": "fr",
        "csm": "csm.south@polyplus.example", "csm_blocks_per_month": 2, "tam_hours": 10,
        "lines": {"headsets": (180, 15, "22.00"), "video": (25, 5, "295.00")},
    },
    "AZ-200302": {
        "address": "3 avenue Jean Moulin", "postal_code": "13005", "city": "Marseille",
        "country": "FR", "time_zone": "Europe/Paris", "language": "fr",
        "csm": "csm.south@polyplus.example", "csm_blocks_per_month": 0, "tam_hours": 0,
        "lines": {"video": (12, 0, "295.00"), "voice": (60, 5, "34.00")},
    },
}

# Spare parts and accessories: (part number, description, SKUs of the compatible models).
SPARE_PARTS = [
    ("SP-EC-VOY8200", "Ear cushions, protein leather (pair)", ["VOY-8200-UC"]),
    ("SP-EC-VOY4300", "Ear cushion, leatherette (single)", ["VOY-4320-UC"]),
    ("SP-EC-BW3300", "Ear cushions, foam (pair)", ["BW-3320-USB", "BW-5220", "BW-C720"]),
    ("SP-EC-EP500", "Ear cushions, leatherette (pair)", ["EP-520"]),
    ("SP-BAT-SAVI8200", "Replacement battery, lithium-ion", ["SAVI-8245"]),
    ("SP-BAT-SAVIW700", "Replacement battery, extended life", ["SAVI-W745"]),
    ("SP-CHG-VOY", "Charging stand, USB-A and USB-C",
     ["VOY-8200-UC", "VOY-4320-UC", "VOY-FOCUS2"]),
    ("SP-DONGLE-BT700", "Bluetooth USB adapter BT700, USB-A",
     ["VOY-8200-UC", "VOY-4320-UC", "VOY-FOCUS2"]),
    ("SP-PSU-STUDIOX", "Power supply 48 V, with EU and UK cords",
     ["STUDIO-X30", "STUDIO-X50", "STUDIO-X52"]),
    ("SP-PSU-DESK-EU", "Power supply 48 V DC for desk phones, EU plug",
     ["CCX-400", "CCX-600", "VVX-450", "EDGE-E350"]),
    ("SP-RC-BT", "Bluetooth remote control",
     ["STUDIO-X30", "STUDIO-X50", "STUDIO-X52", "STUDIO-X70", "G7500"]),
    ("SP-WM-STUDIOX", "Wall mount kit", ["STUDIO-X30", "STUDIO-X50", "STUDIO-X52"]),
    ("SP-TVM-G7500", "Display mount bracket for the camera", ["G7500", "STUDIO-X70"]),
    ("SP-HS-CCX", "Corded handset with coiled cord", ["CCX-400", "CCX-600"]),
    ("SP-HS-VVX", "Handset with coiled cord", ["VVX-450", "EDGE-E350"]),
    ("SP-MIC-TRIO", "Expansion microphones, wired (pair)", ["TRIO-C60", "TRIO-8800"]),
    ("SP-POE-TRIO", "Power over Ethernet injector", ["TRIO-C60", "TRIO-8800"]),
    ("SP-CLIP-P15", "Privacy shutter and monitor clip", ["STUDIO-P15"]),
]

# Devices per demo customer, imported from a generated Poly Lens export when the customer
# has none yet (seed_demo); a copy of each export is left in this folder, under .data/.
DEMO_DEVICES_PER_CUSTOMER = 250
DEMO_LENS_EXPORT_DIR = "demo"

# Signed authorisation letters for cloud-partner incidents (SPEC §7), per demo customer:
# (signatory, title, signed so many days ago, valid for so many days). Contoso's runs for
# a year from two months ago; Fabrikam's ran out last month, so its page shows why no
# cloud incident can be opened.
AUTHORISATION_LETTERS = {
    "NW-100201": ("Ian Brooks", "Head of IT Operations", 60, 365),
    "NW-100202": ("Maya Singh", "IT Service Manager", 400, 365),
    "AZ-200301": ("Claire Dubois", "Directrice des systèmes d'information", 30, 730),
}
