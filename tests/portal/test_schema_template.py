"""A partner schema made from the template is the schema the migrations make: same tables,
columns, defaults, indexes, constraints, sequences, triggers, migration records and rows."""

import re

from django.core.management import call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from portal.consoleindex.models import StatusCount
from portal.tenants.models import Partner
from portal.tenants.schemas import catalogue_search_path
from portal.tenants.template import (
    SPARE_LOCK_CLASS,
    TEMPLATE_SCHEMA,
    applied_migrations,
    claim_spare_schema,
    create_schema_from_template,
    migrate_schema,
    pending_migrations,
    prepare_spare_schemas,
    spare_schemas,
)

# The triggers that keep the partner's counts of /metrics (consoleindex.StatusCount).
COUNTING_TRIGGERS = {"inventory_lensimport_count_status", "inventory_lensimport_forget_status",
                     "reporting_reportrun_count_status", "reporting_reportrun_forget_status"}

DESCRIPTIONS = {
    "tables": """
        SELECT c.relname, c.relkind, c.relpersistence, c.reloptions FROM pg_class c
        WHERE c.relnamespace = to_regnamespace(%(schema)s) AND c.relkind <> 'i'""",
    # Their order, not their number: a migrated schema keeps the numbers of dropped columns.
    "columns": """
        SELECT c.relname, rank() OVER (PARTITION BY c.oid ORDER BY a.attnum), a.attname,
               format_type(a.atttypid, a.atttypmod), a.attnotnull,
               pg_get_expr(d.adbin, d.adrelid, true), a.attidentity, a.attgenerated,
               a.attcollation
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE c.relnamespace = to_regnamespace(%(schema)s) AND a.attnum > 0
          AND NOT a.attisdropped""",
    "indexes": """
        SELECT c.relname, ic.relname, pg_get_indexdef(i.indexrelid, 0, true), ic.reloptions
        FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
        JOIN pg_class ic ON ic.oid = i.indexrelid
        WHERE c.relnamespace = to_regnamespace(%(schema)s)""",
    "constraints": """
        SELECT c.relname, con.conname, con.contype, pg_get_constraintdef(con.oid, true),
               con.condeferrable, con.condeferred, con.convalidated
        FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid
        WHERE con.connamespace = to_regnamespace(%(schema)s)""",
    "sequences": """
        SELECT c.relname, format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement, s.seqmin,
               s.seqmax, s.seqcache, s.seqcycle, oc.relname, a.attname, d.deptype,
               pg_sequence_last_value(c.oid)
        FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid
        LEFT JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid
             AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
        LEFT JOIN pg_class oc ON oc.oid = d.refobjid
        LEFT JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
        WHERE c.relnamespace = to_regnamespace(%(schema)s)""",
    "triggers": """
        SELECT c.relname, t.tgname, pg_get_triggerdef(t.oid, true), t.tgisinternal
        FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
        WHERE c.relnamespace = to_regnamespace(%(schema)s)""",
}


def same_meaning(definition):
    """PostgreSQL reads back a deparsed `ARRAY['a'::varchar, …]::text[]` (Django's `in`
    lookups on a text column) as `ARRAY['a'::varchar::text, …]`: one condition, two
    spellings. Both are written here as `ARRAY['a'::text, …]`."""
    definition = re.sub(r"::character varying(?=::text)", "", definition)
    # Foreign keys' own triggers are named after their object number.
    definition = re.sub(r"(RI_ConstraintTrigger_\w)_\d+", r"\1", definition)
    return re.sub(r"ARRAY\[([^\]]*)\]::text\[\]",
                  lambda m: "ARRAY[" + m.group(1).replace("::character varying", "::text")
                  + "]", definition)


def describe(schema):
    """The schema's catalogue, deparsed without its own name so two schemas compare."""
    description = {}
    with connection.cursor() as cursor, catalogue_search_path(cursor, schema):
        for what, sql in DESCRIPTIONS.items():
            cursor.execute(sql, {"schema": schema})
            description[what] = sorted(
                (tuple(same_meaning(v) if isinstance(v, str) else v for v in row)
                 for row in cursor.fetchall()), key=repr)
        tables = [row[0] for row in description["tables"] if row[1] == "r"]
        cursor.execute(" UNION ALL ".join(
            f"SELECT %s, count(*) FROM {connection.ops.quote_name(t)}" for t in tables), tables)
        description["row counts"] = sorted(cursor.fetchall())
        cursor.execute("SELECT app, name FROM django_migrations")
        description["migration records"] = sorted(cursor.fetchall())
        cursor.execute("SELECT id, app_label, model FROM django_content_type")
        description["content types"] = sorted(cursor.fetchall())
        cursor.execute("SELECT id, content_type_id, codename, name FROM auth_permission")
        description["permissions"] = sorted(cursor.fetchall())
    return description


def test_a_schema_made_from_the_template_equals_a_migrated_one(db):
    create_schema_from_template("cloned_check")
    with connection.cursor() as cursor:
        cursor.execute("CREATE SCHEMA migrated_check")
    migrate_schema("migrated_check")

    cloned, migrated = describe("cloned_check"), describe("migrated_check")

    # The description is a real one: the partner tables and their particulars are there.
    assert len(migrated["tables"]) > 40
    assert ("inventory_device", "r", "p", ["fillfactor=50"]) in migrated["tables"]
    assert any(row[2] == "f" and row[4] for row in migrated["constraints"])  # deferrable FKs
    assert migrated["migration records"] and migrated["content types"]
    assert COUNTING_TRIGGERS <= {row[1] for row in migrated["triggers"]}
    for what in migrated:
        assert cloned[what] == migrated[what], what


def test_a_cloned_schema_has_nothing_left_to_migrate_and_starts_its_sequences_afresh(db):
    create_schema_from_template("cloned_check")

    assert pending_migrations(applied_migrations(["cloned_check"])["cloned_check"]) == []
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO cloned_check.auth_group (name) VALUES ('First') "
                       "RETURNING id")
        assert cursor.fetchone()[0] == 1
        # A table the migrations filled carries on after the rows copied with it.
        cursor.execute("SELECT max(id) FROM cloned_check.django_content_type")
        last = cursor.fetchone()[0]
        cursor.execute("INSERT INTO cloned_check.django_content_type (app_label, model) "
                       "VALUES ('new', 'thing') RETURNING id")
        assert cursor.fetchone()[0] == last + 1


def test_the_template_is_no_partner_and_is_migrated_with_the_code(db):
    assert not Partner.objects.filter(schema_name=TEMPLATE_SCHEMA).exists()
    assert pending_migrations(applied_migrations([TEMPLATE_SCHEMA])[TEMPLATE_SCHEMA]) == []


def test_a_schema_behind_the_code_is_caught_up_by_its_missing_migrations_only(
        db, monkeypatch):
    # The template lags the code's newest inventory migration (as if made by an older
    # release): that migration is unapplied from it.
    graph = MigrationLoader(connection).graph
    newest = graph.leaf_nodes("inventory")[0]
    (before,) = [parent for parent in graph.node_map[newest].parents
                 if parent[0] == "inventory"]
    call_command("migrate_schemas", "inventory", before[1], tenant=True,
                 schema_name=TEMPLATE_SCHEMA, interactive=False, verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("SELECT now()")
        started = cursor.fetchone()[0]
    lagging = applied_migrations([TEMPLATE_SCHEMA])[TEMPLATE_SCHEMA]
    assert f"inventory.{newest[1]}" not in lagging
    monkeypatch.setattr("portal.tenants.template.ensure_template", lambda: lagging)

    create_schema_from_template("cloned_check")

    with connection.cursor() as cursor:
        cursor.execute("SELECT app, name FROM cloned_check.django_migrations "
                       "WHERE applied >= %s", [started])
        assert cursor.fetchall() == [newest]
    assert not pending_migrations(applied_migrations(["cloned_check"])["cloned_check"])


def test_a_schema_made_from_a_spare_equals_a_migrated_one(db):
    assert prepare_spare_schemas(1) == 1
    (spare,) = spare_schemas()
    create_schema_from_template("cloned_check")
    with connection.cursor() as cursor:
        cursor.execute("CREATE SCHEMA migrated_check")
    migrate_schema("migrated_check")

    # The spare became the partner's schema: renamed, not copied again.
    assert spare_schemas() == []
    cloned, migrated = describe("cloned_check"), describe("migrated_check")
    for what in migrated:
        assert cloned[what] == migrated[what], what
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO cloned_check.auth_group (name) VALUES ('First') "
                       "RETURNING id")
        assert cursor.fetchone()[0] == 1

    # The partner's report runs are counted for /metrics from its first one.
    Partner.objects.bulk_create([Partner(slug="cloned-check", schema_name="cloned_check",
                                         name="Cloned", status=Partner.Status.ACTIVE)])
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO cloned_check.reporting_reportrun "
                       "(month, requested_by, total, done, failed, created_at) "
                       "VALUES ('2026-01-01', '', 2, 0, 0, now())")
    assert list(StatusCount.objects.filter(partner_id="cloned_check").values_list(
        "table_name", "status", "rows")) == [("reporting_reportrun", "running", 1)]


def test_without_a_spare_the_schema_is_made_from_the_template(db):
    assert spare_schemas() == []
    create_schema_from_template("cloned_check")

    assert pending_migrations(applied_migrations(["cloned_check"])["cloned_check"]) == []


def test_a_spare_behind_the_code_is_not_taken_and_is_made_again(db):
    prepare_spare_schemas(1)
    (stale,) = spare_schemas()
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {stale}.django_migrations WHERE app = 'inventory'")

    assert claim_spare_schema("cloned_check") is False
    assert prepare_spare_schemas(1) == 1
    (fresh,) = spare_schemas()
    assert fresh != stale
    assert claim_spare_schema("cloned_check") is True
    assert pending_migrations(applied_migrations(["cloned_check"])["cloned_check"]) == []


def test_two_onboardings_never_take_the_same_spare(db):
    from django.db import connections

    prepare_spare_schemas(1)
    (spare,) = spare_schemas()
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            # Another onboarding is taking it.
            cursor.execute("SELECT pg_advisory_lock(%s, hashtext(%s))",
                           [SPARE_LOCK_CLASS, spare])
        assert claim_spare_schema("cloned_check") is False
        assert spare_schemas() == [spare]
    finally:
        # Released before the connection closes: its server process may outlive the close
        # by a moment, and its locks with it.
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock_all()")
        other.close()
    assert claim_spare_schema("cloned_check") is True
