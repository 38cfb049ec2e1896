from django.db import migrations
from django_tenants.utils import get_public_schema_name


def _assignment_moved(tables):
    """consoleindex_assignment_moved() (migration 0009), moving the rows of `tables` in
    that order."""
    public = '"' + get_public_schema_name() + '"'
    moved = []
    for table in tables:
        moved.append(f"""
            IF TG_OP <> 'INSERT' THEN
                UPDATE {public}.{table} i SET csm_id = NULL
                FROM {public}.tenants_partner p
                WHERE p.id = OLD.partner_id AND i.schema_name = p.schema_name
                  AND i.customer_id = OLD.customer_id;
            END IF;
            IF TG_OP <> 'DELETE' THEN
                UPDATE {public}.{table} i SET csm_id = NEW.csm_id
                FROM {public}.tenants_partner p
                WHERE p.id = NEW.partner_id AND i.schema_name = p.schema_name
                  AND i.customer_id = NEW.customer_id;
            END IF;""")
    return f"""
        CREATE OR REPLACE FUNCTION {public}.consoleindex_assignment_moved() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            {"".join(moved)}
            RETURN NULL;
        END $$"""


class Migration(migrations.Migration):
    """A report's row written locks its customer's row after its own (migration 0010): an
    assignment moving a customer's rows now locks them in that order too, reports and
    quotes before the customer, so the two never wait on each other in a cycle."""

    dependencies = [
        ('consoleindex', '0011_customer_partner_name'),
    ]

    operations = [
        migrations.RunSQL(
            _assignment_moved(("consoleindex_indexedreport", "consoleindex_indexedquote",
                               "consoleindex_indexedcustomer")),
            _assignment_moved(("consoleindex_indexedcustomer", "consoleindex_indexedreport",
                               "consoleindex_indexedquote"))),
    ]
