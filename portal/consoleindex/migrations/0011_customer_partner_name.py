from django.db import migrations, models
from django_tenants.utils import get_public_schema_name


def _sql():
    public = '"' + get_public_schema_name() + '"'
    customers = f"{public}.consoleindex_indexedcustomer"
    partners = f"{public}.tenants_partner"
    # The triggers run in the writer's transaction and search path (a partner's schema for
    # a customer's row): every name is qualified.
    return [
        f"""
        CREATE FUNCTION {public}.consoleindex_partner_name_of_row() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            NEW.partner_name := COALESCE(
                (SELECT p.name FROM {partners} p WHERE p.schema_name = NEW.schema_name), '');
            RETURN NEW;
        END $$""",
        f"""
        CREATE FUNCTION {public}.consoleindex_partner_renamed() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE {customers} c SET partner_name = NEW.name
            WHERE c.schema_name = NEW.schema_name AND c.partner_name IS DISTINCT FROM NEW.name;
            RETURN NULL;
        END $$""",
        f"CREATE TRIGGER consoleindex_indexedcustomer_partner_name BEFORE INSERT "
        f"OR UPDATE OF schema_name ON {customers} FOR EACH ROW "
        f"EXECUTE FUNCTION {public}.consoleindex_partner_name_of_row()",
        f"CREATE TRIGGER tenants_partner_renamed AFTER UPDATE OF name, schema_name "
        f"ON {partners} FOR EACH ROW EXECUTE FUNCTION {public}.consoleindex_partner_renamed()",
        f"UPDATE {customers} c SET partner_name = p.name FROM {partners} p "
        f"WHERE p.schema_name = c.schema_name",
    ]


def _reverse_sql():
    public = '"' + get_public_schema_name() + '"'
    return [
        f"DROP TRIGGER IF EXISTS tenants_partner_renamed ON {public}.tenants_partner",
        f"DROP TRIGGER IF EXISTS consoleindex_indexedcustomer_partner_name "
        f"ON {public}.consoleindex_indexedcustomer",
        f"DROP FUNCTION IF EXISTS {public}.consoleindex_partner_renamed()",
        f"DROP FUNCTION IF EXISTS {public}.consoleindex_partner_name_of_row()",
    ]


class Migration(migrations.Migration):

    dependencies = [
        ('consoleindex', '0010_customer_latest_report'),
        ('tenants', '0009_partner_logo_on_dark'),
    ]

    operations = [
        migrations.AddField(
            model_name='indexedcustomer',
            name='partner_name',
            field=models.CharField(default='', max_length=120),
        ),
        migrations.RemoveIndex(
            model_name='indexedcustomer',
            name='consoleindex_customer_csm',
        ),
        migrations.RunSQL(_sql(), _reverse_sql()),
        migrations.AddIndex(
            model_name='indexedcustomer',
            index=models.Index(fields=['csm', 'partner_name', 'partner', 'customer_name', 'object_id'], name='consoleindex_customer_csm'),
        ),
    ]
