from django.db import migrations, models
from django_tenants.utils import get_public_schema_name


def _sql():
    public = '"' + get_public_schema_name() + '"'
    customers = f"{public}.consoleindex_indexedcustomer"
    reports = f"{public}.consoleindex_indexedreport"
    # The customer's latest report: the newest month (a report's id breaks a tie that the
    # partner's app never makes).
    latest_of = f"""
        SELECT r.month, r.categories, r.true_up_due FROM {reports} r
        WHERE r.schema_name = {{schema}} AND r.customer_id = {{customer}}
        ORDER BY r.month DESC, r.object_id DESC LIMIT 1"""
    return [
        # The triggers run in the writer's transaction and search path (a partner's
        # schema): every name is qualified. A customer's row keeps its updated_at: the
        # console API's list of customers does not show the report's figures.
        f"""
        CREATE FUNCTION {public}.consoleindex_refresh_latest_report(schema text,
                                                                  customer bigint)
        RETURNS void LANGUAGE plpgsql AS $$
        DECLARE
            latest record;
        BEGIN
            {latest_of.format(schema="schema", customer="customer")} INTO latest;
            UPDATE {customers} c SET latest_month = latest.month,
                latest_categories = latest.categories,
                latest_true_up_due = latest.true_up_due
            WHERE c.schema_name = schema AND c.object_id = customer
              AND ROW(c.latest_month, c.latest_categories, c.latest_true_up_due)
                  IS DISTINCT FROM ROW(latest.month, latest.categories, latest.true_up_due);
        END $$""",
        # Only a change of what the customer's row shows reads the reports again: a report's
        # row written for its CSM or its updated_at (an assignment, migration 0012) locks
        # no customer's row.
        f"""
        CREATE FUNCTION {public}.consoleindex_report_moved() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'UPDATE' AND (NEW.schema_name, NEW.customer_id, NEW.month,
                    NEW.categories, NEW.true_up_due) IS NOT DISTINCT FROM
                    (OLD.schema_name, OLD.customer_id, OLD.month, OLD.categories,
                     OLD.true_up_due) THEN
                RETURN NULL;
            END IF;
            IF TG_OP <> 'INSERT' THEN
                PERFORM {public}.consoleindex_refresh_latest_report(OLD.schema_name,
                                                                    OLD.customer_id);
            END IF;
            IF TG_OP <> 'DELETE' AND (TG_OP = 'INSERT'
                    OR (NEW.schema_name, NEW.customer_id)
                       IS DISTINCT FROM (OLD.schema_name, OLD.customer_id)) THEN
                PERFORM {public}.consoleindex_refresh_latest_report(NEW.schema_name,
                                                                    NEW.customer_id);
            END IF;
            RETURN NULL;
        END $$""",
        f"""
        CREATE FUNCTION {public}.consoleindex_latest_report_of_row() RETURNS trigger
        LANGUAGE plpgsql AS $$
        DECLARE
            latest record;
        BEGIN
            {latest_of.format(schema="NEW.schema_name", customer="NEW.object_id")}
                INTO latest;
            NEW.latest_month := latest.month;
            NEW.latest_categories := latest.categories;
            NEW.latest_true_up_due := latest.true_up_due;
            RETURN NEW;
        END $$""",
        f"CREATE TRIGGER consoleindex_indexedreport_latest AFTER INSERT OR UPDATE OR DELETE "
        f"ON {reports} FOR EACH ROW EXECUTE FUNCTION {public}.consoleindex_report_moved()",
        f"CREATE TRIGGER consoleindex_indexedcustomer_latest BEFORE INSERT "
        f"OR UPDATE OF schema_name, object_id ON {customers} FOR EACH ROW "
        f"EXECUTE FUNCTION {public}.consoleindex_latest_report_of_row()",
        f"""
        UPDATE {customers} c SET (latest_month, latest_categories, latest_true_up_due) =
            ({latest_of.format(schema="c.schema_name", customer="c.object_id")})""",
    ]


def _reverse_sql():
    public = '"' + get_public_schema_name() + '"'
    return [
        f"DROP TRIGGER IF EXISTS consoleindex_indexedreport_latest "
        f"ON {public}.consoleindex_indexedreport",
        f"DROP TRIGGER IF EXISTS consoleindex_indexedcustomer_latest "
        f"ON {public}.consoleindex_indexedcustomer",
        f"DROP FUNCTION IF EXISTS {public}.consoleindex_latest_report_of_row()",
        f"DROP FUNCTION IF EXISTS {public}.consoleindex_report_moved()",
        f"DROP FUNCTION IF EXISTS {public}.consoleindex_refresh_latest_report(text, bigint)",
    ]


class Migration(migrations.Migration):

    dependencies = [
        ('consoleindex', '0009_csm_of_rows'),
    ]

    operations = [
        migrations.AddField(
            model_name='indexedcustomer',
            name='latest_month',
            field=models.DateField(null=True),
        ),
        migrations.AddField(
            model_name='indexedcustomer',
            name='latest_categories',
            field=models.JSONField(null=True),
        ),
        migrations.AddField(
            model_name='indexedcustomer',
            name='latest_true_up_due',
            field=models.BooleanField(null=True),
        ),
        migrations.RunSQL(_sql(), _reverse_sql()),
    ]
