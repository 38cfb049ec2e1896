from django.db import migrations
from django_tenants.utils import get_public_schema_name

TABLE = "inventory_lensimport"


def _sql():
    public = '"' + get_public_schema_name() + '"'
    # The counts of /metrics (consoleindex.StatusCount), kept in the writer's transaction
    # by functions of the public schema (consoleindex 0008); a schema made from the
    # template gets the triggers with its tables.
    return [
        f"CREATE TRIGGER {TABLE}_count_status AFTER INSERT OR UPDATE OR DELETE ON {TABLE} "
        f"FOR EACH ROW EXECUTE FUNCTION {public}.consoleindex_count_lens_import()",
        f"CREATE TRIGGER {TABLE}_forget_status AFTER TRUNCATE ON {TABLE} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {public}.consoleindex_forget_status_counts()",
        # The imports already there (none in the template).
        f"INSERT INTO {public}.consoleindex_statuscount (schema_name, table_name, status, rows) "
        f"SELECT current_schema(), '{TABLE}', status, count(*) FROM {TABLE} GROUP BY status",
    ]


def _reverse_sql():
    public = '"' + get_public_schema_name() + '"'
    return [
        f"DROP TRIGGER IF EXISTS {TABLE}_forget_status ON {TABLE}",
        f"DROP TRIGGER IF EXISTS {TABLE}_count_status ON {TABLE}",
        f"DELETE FROM {public}.consoleindex_statuscount "
        f"WHERE schema_name = current_schema() AND table_name = '{TABLE}'",
    ]


class Migration(migrations.Migration):

    dependencies = [
        ("inventory", "0011_updated_at"),
        ("consoleindex", "0008_status_counts"),
    ]

    operations = [
        migrations.RunSQL(_sql(), _reverse_sql()),
    ]
