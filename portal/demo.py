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
