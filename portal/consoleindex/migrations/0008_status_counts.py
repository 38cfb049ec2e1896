import django.db.models.deletion
from django.db import migrations, models
from django_tenants.utils import get_public_schema_name


def _sql():
    public = '"' + get_public_schema_name() + '"'
    # The triggers (installed on each partner's tables by migrations inventory 0012 and
    # reporting 0005) run in the writer's transaction and search path, a partner's schema:
    # every name is qualified. A row's partner is the schema of the table it is in.
    return [
        # A report run has no status column: it runs until every report is done or has
        # failed, and then finished with or without failures (ReportRun.status_label).
        f"""
        CREATE FUNCTION {public}.consoleindex_report_run_status(
            total bigint, done bigint, failed bigint) RETURNS text
        LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
            SELECT CASE WHEN total > done + failed THEN 'running'
                        WHEN failed = 0 THEN 'finished'
                        ELSE 'finished_with_failures' END $$""",
        # One statement, its rows in the order of their statuses: two writers moving rows
        # between the same two statuses lock the counters in the same order.
        f"""
        CREATE FUNCTION {public}.consoleindex_move_status_count(
            partner_schema text, partner_table text, was text, now_is text) RETURNS void
        LANGUAGE sql AS $$
            INSERT INTO {public}.consoleindex_statuscount AS c
                (schema_name, table_name, status, rows)
            SELECT partner_schema, partner_table, moved.status, moved.change
            FROM (VALUES (was, -1), (now_is, 1)) AS moved (status, change)
            WHERE moved.status IS NOT NULL AND was IS DISTINCT FROM now_is
            ORDER BY moved.status
            ON CONFLICT (schema_name, table_name, status)
            DO UPDATE SET rows = c.rows + EXCLUDED.rows $$""",
        f"""
        CREATE FUNCTION {public}.consoleindex_count_lens_import() RETURNS trigger
        LANGUAGE plpgsql AS $$
        DECLARE
            was text;
            now_is text;
        BEGIN
            IF TG_OP <> 'INSERT' THEN was := OLD.status; END IF;
            IF TG_OP <> 'DELETE' THEN now_is := NEW.status; END IF;
            IF was IS DISTINCT FROM now_is THEN
                PERFORM {public}.consoleindex_move_status_count(
                    TG_TABLE_SCHEMA, TG_TABLE_NAME, was, now_is);
            END IF;
            RETURN NULL;
        END $$""",
        f"""
        CREATE FUNCTION {public}.consoleindex_count_report_run() RETURNS trigger
        LANGUAGE plpgsql AS $$
        DECLARE
            was text;
            now_is text;
        BEGIN
            IF TG_OP <> 'INSERT' THEN
                was := {public}.consoleindex_report_run_status(OLD.total, OLD.done, OLD.failed);
            END IF;
            IF TG_OP <> 'DELETE' THEN
                now_is := {public}.consoleindex_report_run_status(
                    NEW.total, NEW.done, NEW.failed);
            END IF;
            IF was IS DISTINCT FROM now_is THEN
                PERFORM {public}.consoleindex_move_status_count(
                    TG_TABLE_SCHEMA, TG_TABLE_NAME, was, now_is);
            END IF;
            RETURN NULL;
        END $$""",
        # TRUNCATE fires no row trigger: a statement trigger forgets the table's counts.
        f"""
        CREATE FUNCTION {public}.consoleindex_forget_status_counts() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            DELETE FROM {public}.consoleindex_statuscount
            WHERE schema_name = TG_TABLE_SCHEMA AND table_name = TG_TABLE_NAME;
            RETURN NULL;
        END $$""",
    ]


def _reverse_sql():
    public = '"' + get_public_schema_name() + '"'
    return [f"DROP FUNCTION IF EXISTS {public}.{function}" for function in (
        "consoleindex_forget_status_counts()", "consoleindex_count_report_run()",
        "consoleindex_count_lens_import()",
        "consoleindex_move_status_count(text, text, text, text)",
        "consoleindex_report_run_status(bigint, bigint, bigint)")]


class Migration(migrations.Migration):

    dependencies = [
        ('consoleindex', '0007_updated_at'),
        ('tenants', '0009_partner_logo_on_dark'),
    ]

    operations = [
        migrations.CreateModel(
            name='StatusCount',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('table_name', models.CharField(max_length=63)),
                ('status', models.CharField(max_length=30)),
                ('rows', models.IntegerField(default=0)),
                ('partner', models.ForeignKey(db_column='schema_name', on_delete=django.db.models.deletion.CASCADE, related_name='+', to='tenants.partner', to_field='schema_name')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('partner', 'table_name', 'status'), name='consoleindex_statuscount_one_row')],
            },
        ),
        migrations.RunSQL(_sql(), _reverse_sql()),
    ]
