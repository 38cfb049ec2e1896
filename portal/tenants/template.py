"""A new partner's schema is made from a template schema, not by running every migration.

`_template` is a real schema, migrated like every partner's (a leading underscore, so no
partner slug can take its name) and never written to otherwise. A new partner's schema
is created from DDL generated from the template's catalogue (tables with their columns,
defaults, identities and storage options, then the rows the migrations wrote — migration
records, content types, permissions — then constraints, indexes, triggers and sequences
set to the template's state), followed by a catch-up migrate of that one schema, which
does nothing when its migration records already match the code's migrations.

Why not the alternatives: running the migrations takes seconds per partner; django-tenants'
own clone reads the whole catalogue at every clone and slows with the number of partners;
a schema-only dump needs a `pg_dump` of the server's version on every machine and its
schema names rewritten as text. Here the DDL is deparsed by PostgreSQL itself with the
search path set to the template alone, so its own objects come out without a schema name
and land in the new schema when run with the search path set to it — no text rewriting —
and is generated once per process and set of template migrations, so creating a schema
reads no catalogue at all.

Spare schemas. Loading that DDL still costs PostgreSQL a file sync per index it builds
(some 250 per schema; each waits on the disk, and waits longer the busier the machine),
so onboarding keeps a few schemas made ahead of time (`_spare_…`, made from the template
after an onboarding, by the provisioning task, and at every deploy): a new partner's
schema is a spare renamed — one catalogue row — when one is ready with the code's
migrations, and made from the template otherwise.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import re
import uuid
from collections.abc import Iterable
from typing import Any

from django.apps import apps as django_apps
from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction
from django.db.migrations import operations
from django.db.migrations.loader import MigrationLoader
from django_tenants.utils import get_public_schema_name, schema_exists

from .schemas import catalogue_search_path

logger = logging.getLogger(__name__)

TEMPLATE_SCHEMA = "_template"
# Serialises the template's creation and migration between workers (an arbitrary key).
TEMPLATE_LOCK = 7_340_016
# Schemas read per statement when reading migration records: a statement holds a lock on
# each table it reads until its transaction ends, and the server's lock table is shared.
SCHEMAS_PER_READ = 200
# Spare schemas' names: like the template's, no partner slug can take them.
SPARE_PREFIX = "_spare_"
# The class of the advisory locks by which an onboarding claims one spare (with the
# spare's name hashed as the second key: a key space of its own).
SPARE_LOCK_CLASS = 7_340_017


class TemplateError(RuntimeError):
    """The template holds something a new schema cannot be made from."""


def quote(name: str) -> str:
    return connection.ops.quote_name(name)


@functools.cache
def _migration_graph() -> Any:
    # Reads the migration modules only (no database): cached for the process's life.
    return MigrationLoader(None, ignore_no_migrations=True).graph


@functools.cache
def code_migrations() -> tuple[frozenset[str], tuple[tuple[str, frozenset[str]], ...]]:
    """The migrations of the code ("app.name") and, for squashed ones, what they replace."""
    graph = _migration_graph()
    nodes = frozenset(f"{app}.{name}" for app, name in graph.nodes)
    squashed = tuple(
        (f"{app}.{name}", frozenset(f"{a}.{n}" for a, n in migration.replaces))
        for (app, name), migration in graph.nodes.items() if migration.replaces
    )
    return nodes, squashed


def pending_migrations(applied: Iterable[str] | None) -> list[str]:
    """The code's migrations a schema with these migration records has not applied."""
    done = set(applied or ())
    nodes, squashed = code_migrations()
    replaced_done = {key for key, replaces in squashed if replaces <= done}
    return sorted(nodes - done - replaced_done)


# What a migration of an app with no tables in partners' schemas may do and still be only
# recorded there: run in a partner's schema, its operations are skipped (the tenants'
# router) and nothing they do adds a content type or a permission (post_migrate) — unlike
# a model created, deleted or renamed, or its options changed.
RECORDED_ONLY_OPERATIONS = (
    operations.AddField, operations.RemoveField, operations.AlterField,
    operations.RenameField, operations.AddIndex, operations.RemoveIndex,
    operations.RenameIndex, operations.AddConstraint, operations.RemoveConstraint,
    operations.AlterUniqueTogether, operations.AlterModelTable, operations.AlterModelManagers,
    operations.RunSQL, operations.RunPython)


@functools.cache
def recorded_only_migrations() -> frozenset[str]:
    """The code's migrations ("app.name") a partner's schema only records: those of apps
    that are not partners' apps, made of RECORDED_ONLY_OPERATIONS alone (a squashed one
    is migrated, as it records what it replaces)."""
    partner_apps = {config.label for config in django_apps.get_app_configs()
                    if config.name in settings.TENANT_APPS}
    return frozenset(
        f"{app}.{name}" for (app, name), migration in _migration_graph().nodes.items()
        if app not in partner_apps and not migration.replaces
        and all(isinstance(operation, RECORDED_ONLY_OPERATIONS)
                for operation in migration.operations))


def record_migrations(schema_name: str, migrations: Iterable[str]) -> None:
    """Records `migrations` ("app.name", from recorded_only_migrations()) as applied in a
    partner's schema, in one statement: what running them there would have done."""
    keys = sorted(set(migrations))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(schema_name)}.django_migrations (app, name, applied) "
            f"SELECT split_part(key, '.', 1), split_part(key, '.', 2), now() "
            f"FROM unnest(%s::text[]) AS key WHERE NOT EXISTS (SELECT 1 FROM "
            f"{quote(schema_name)}.django_migrations m WHERE m.app = split_part(key, '.', 1) "
            f"AND m.name = split_part(key, '.', 2))", [keys])


def applied_migrations(schemas: list[str]) -> dict[str, set[str] | None]:
    """Each schema's migration records ("app.name"), read for many schemas per statement;
    None for a schema without a migration table (or without a schema)."""
    result: dict[str, set[str] | None] = dict.fromkeys(schemas)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM unnest(%s::text[]) AS name "
            "WHERE to_regclass(quote_ident(name) || '.django_migrations') IS NOT NULL",
            [schemas])
        present = [row[0] for row in cursor.fetchall()]
        for start in range(0, len(present), SCHEMAS_PER_READ):
            chunk = present[start:start + SCHEMAS_PER_READ]
            sql = " UNION ALL ".join(
                f"SELECT %s, app || '.' || name FROM {quote(schema)}.django_migrations"
                for schema in chunk)
            cursor.execute(sql, chunk)
            for schema in chunk:
                result[schema] = set()
            for schema, key in cursor.fetchall():
                result[schema].add(key)  # type: ignore[union-attr]
    return result


def migrate_schema(schema_name: str, verbosity: int = 0) -> None:
    """Runs the missing migrations of one schema, all of them or none (one transaction)."""
    with transaction.atomic():
        if schema_name == get_public_schema_name():
            call_command("migrate_schemas", shared=True, interactive=False, verbosity=verbosity)
        else:
            call_command("migrate_schemas", tenant=True, schema_name=schema_name,
                         interactive=False, verbosity=verbosity)


def ensure_template() -> set[str]:
    """Creates or migrates the template when it lags behind the code; its migration records."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [TEMPLATE_LOCK])
        applied = applied_migrations([TEMPLATE_SCHEMA])[TEMPLATE_SCHEMA]
        if applied is not None and not pending_migrations(applied):
            return applied
        if not schema_exists(TEMPLATE_SCHEMA):
            with connection.cursor() as cursor:
                cursor.execute(f"CREATE SCHEMA {quote(TEMPLATE_SCHEMA)}")
        logger.info("Migrating the template schema of new partners")
        migrate_schema(TEMPLATE_SCHEMA)
        return applied_migrations([TEMPLATE_SCHEMA])[TEMPLATE_SCHEMA] or set()


def create_schema_from_template(schema_name: str) -> None:
    """Creates `schema_name` as a copy of the template (a spare one, renamed, when one is
    ready), then migrates whatever the template lacked. All or nothing: a failure leaves
    no schema behind."""
    with transaction.atomic():
        if claim_spare_schema(schema_name):
            return
        template_migrations = ensure_template()
        ddl = template_ddl(fingerprint(template_migrations))
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE SCHEMA {quote(schema_name)}")
            with catalogue_search_path(cursor, schema_name):
                cursor.execute(ddl)
        if pending_migrations(applied_migrations([schema_name])[schema_name]):
            migrate_schema(schema_name)


def spare_schemas() -> list[str]:
    """The spare schemas there are, oldest name first."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT nspname FROM pg_namespace WHERE starts_with(nspname, %s) "
                       "ORDER BY nspname", [SPARE_PREFIX])
        return [name for (name,) in cursor.fetchall()]


def claim_spare_schema(schema_name: str) -> bool:
    """Renames a spare schema that has the code's migrations to `schema_name`, in the
    caller's transaction; False when none is ready. Two onboardings never take the same
    spare: each locks the one it takes, and a spare renamed by another is gone."""
    with connection.cursor() as cursor:
        for spare in spare_schemas():
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s, hashtext(%s)) "
                           "AND to_regnamespace(%s) IS NOT NULL",
                           [SPARE_LOCK_CLASS, spare, spare])
            if not cursor.fetchone()[0]:
                continue
            if pending_migrations(applied_migrations([spare])[spare]):
                continue  # left for prepare_spare_schemas() to drop
            cursor.execute(f"ALTER SCHEMA {quote(spare)} RENAME TO {quote(schema_name)}")
            return True
    return False


def prepare_spare_schemas(count: int | None = None) -> int:
    """Drops the spare schemas behind the code's migrations and makes new ones from the
    template up to `count` (settings.PARTNER_SPARE_SCHEMAS); returns how many it made."""
    wanted = settings.PARTNER_SPARE_SCHEMAS if count is None else count
    ready = []
    for spare, records in applied_migrations(spare_schemas()).items():
        if records is not None and not pending_migrations(records):
            ready.append(spare)
            continue
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s, hashtext(%s))",
                           [SPARE_LOCK_CLASS, spare])
            if cursor.fetchone()[0]:
                cursor.execute(f"DROP SCHEMA IF EXISTS {quote(spare)} CASCADE")
    made = 0
    for _ in range(wanted - len(ready)):
        name = f"{SPARE_PREFIX}{uuid.uuid4().hex[:16]}"
        with transaction.atomic():
            template_migrations = ensure_template()
            ddl = template_ddl(fingerprint(template_migrations))
            with connection.cursor() as cursor:
                cursor.execute(f"CREATE SCHEMA {quote(name)}")
                with catalogue_search_path(cursor, name):
                    cursor.execute(ddl)
        made += 1
    return made


def fingerprint(migrations: set[str]) -> str:
    return hashlib.sha256(",".join(sorted(migrations)).encode()).hexdigest()


@functools.lru_cache(maxsize=4)
def template_ddl(migrations_fingerprint: str) -> str:
    """The statements that make a schema like the template, run with the search path set
    to the new schema. Cached per set of template migrations (the argument)."""
    with connection.cursor() as cursor, catalogue_search_path(cursor, TEMPLATE_SCHEMA):
        return _generate_ddl(cursor)


def _rows(cursor: Any, sql: str, params: Any = None) -> list[tuple]:
    cursor.execute(sql, params)
    return cursor.fetchall()


TEMPLATE_CLASSES = """
    SELECT c.oid FROM pg_class c WHERE c.relnamespace = to_regnamespace(%(schema)s)
"""


def _generate_ddl(cursor: Any) -> str:
    schema = {"schema": TEMPLATE_SCHEMA}
    _refuse_unsupported(cursor, schema)
    sequences = _sequences(cursor, schema)
    tables = _rows(cursor, """
        SELECT c.oid, c.relname, c.relpersistence, c.reloptions FROM pg_class c
        WHERE c.relnamespace = to_regnamespace(%(schema)s) AND c.relkind = 'r'
        ORDER BY c.relname""", schema)
    columns: dict[int, list[tuple]] = {}
    for row in _rows(cursor, """
            SELECT a.attrelid, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
                   pg_get_expr(d.adbin, d.adrelid, true), a.attidentity, a.attgenerated,
                   CASE WHEN a.attcollation <> t.typcollation
                        THEN quote_ident(cn.nspname) || '.' || quote_ident(co.collname) END
            FROM pg_attribute a
            JOIN pg_type t ON t.oid = a.atttypid
            LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
            LEFT JOIN pg_collation co ON co.oid = a.attcollation
            LEFT JOIN pg_namespace cn ON cn.oid = co.collnamespace
            WHERE a.attrelid IN (""" + TEMPLATE_CLASSES + """)
              AND a.attnum > 0 AND NOT a.attisdropped
            ORDER BY a.attrelid, a.attnum""", schema):
        columns.setdefault(row[0], []).append(row[1:])

    statements = []
    for sequence in sequences.values():
        if sequence["identity"] is None:
            statements.append(f"CREATE SEQUENCE {quote(sequence['name'])} AS {sequence['type']} "
                              f"{sequence['options']}")
    column_names = {}
    for oid, table, persistence, reloptions in tables:
        parts = []
        # Generated columns compute themselves when the rows are copied.
        column_names[table] = [name for name, _t, _n, _d, _i, generated, _c in columns[oid]
                               if not generated]
        for name, type_, not_null, default, identity, generated, collation in columns[oid]:
            part = f"{quote(name)} {type_}"
            if collation:
                part += f" COLLATE {collation}"
            if generated == "s":
                part += f" GENERATED ALWAYS AS ({default}) STORED"
            elif default is not None:
                part += f" DEFAULT {default}"
            if identity:
                sequence = sequences[(table, name)]
                kind = "ALWAYS" if identity == "a" else "BY DEFAULT"
                part += (f" GENERATED {kind} AS IDENTITY "
                         f"(SEQUENCE NAME {quote(sequence['name'])} {sequence['options']})")
            if not_null:
                part += " NOT NULL"
            parts.append(part)
        unlogged = "UNLOGGED " if persistence == "u" else ""
        options = f" WITH ({', '.join(reloptions)})" if reloptions else ""
        statements.append(f"CREATE {unlogged}TABLE {quote(table)} ({', '.join(parts)}){options}")

    # The rows the migrations wrote (the template is written by nothing else).
    filled = _rows(cursor, " UNION ALL ".join(
        f"SELECT %s WHERE EXISTS (SELECT 1 FROM {quote(table)})" for _, table, *_ in tables),
        [table for _, table, *_ in tables]) if tables else []
    template = quote(TEMPLATE_SCHEMA)
    for (table,) in filled:
        names = ", ".join(quote(name) for name in column_names[table])
        statements.append(f"INSERT INTO {quote(table)} ({names}) "
                          f"OVERRIDING SYSTEM VALUE SELECT {names} FROM {template}.{quote(table)}")

    # Keys and checks before the foreign keys that need them.
    for table, name, definition in _rows(cursor, """
            SELECT c.relname, con.conname, pg_get_constraintdef(con.oid, true)
            FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid
            WHERE con.conrelid IN (""" + TEMPLATE_CLASSES + """) AND con.contype <> 'n'
            ORDER BY con.contype = 'f', c.relname, con.conname""", schema):
        statements.append(f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}")
    for (definition,) in _rows(cursor, """
            SELECT pg_get_indexdef(i.indexrelid, 0, true) FROM pg_index i
            JOIN pg_class ic ON ic.oid = i.indexrelid
            WHERE i.indrelid IN (""" + TEMPLATE_CLASSES + """)
              AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = i.indexrelid
                              AND con.conrelid = i.indrelid AND con.contype IN ('p', 'u', 'x'))
            ORDER BY ic.relname""", schema):
        statements.append(definition)
    for (definition,) in _rows(cursor, """
            SELECT pg_get_triggerdef(t.oid, true) FROM pg_trigger t
            WHERE t.tgrelid IN (""" + TEMPLATE_CLASSES + """) AND NOT t.tgisinternal
            ORDER BY t.tgname""", schema):
        statements.append(definition)
    for sequence in sequences.values():
        if sequence["owner"] and sequence["identity"] is None:
            table, column = sequence["owner"]
            statements.append(f"ALTER SEQUENCE {quote(sequence['name'])} "
                              f"OWNED BY {quote(table)}.{quote(column)}")
        # The template's state: never called, unless the migrations wrote rows.
        statements.append(
            f"SELECT setval({_literal(quote(sequence['name']))}, last_value, is_called) "
            f"FROM {template}.{quote(sequence['name'])}")

    ddl = ";\n".join(statements) + ";\n"
    _refuse_template_references(ddl)
    return ddl


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _sequences(cursor: Any, schema: dict[str, str]) -> dict:
    """The template's sequences by (table, column) when owned, else by name."""
    found = {}
    for name, type_, start, increment, minimum, maximum, cache, cycle, owner, column, kind in _rows(
            cursor, """
            SELECT c.relname, format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement,
                   s.seqmin, s.seqmax, s.seqcache, s.seqcycle, oc.relname, a.attname, d.deptype
            FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid
            LEFT JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid
                 AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
            LEFT JOIN pg_class oc ON oc.oid = d.refobjid
            LEFT JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
            WHERE s.seqrelid IN (""" + TEMPLATE_CLASSES + """)
            ORDER BY c.relname""", schema):
        # An identity's sequence takes its column's type.
        options = (f"START WITH {start} INCREMENT BY {increment} MINVALUE {minimum} "
                   f"MAXVALUE {maximum} CACHE {cache} {'CYCLE' if cycle else 'NO CYCLE'}")
        key = (owner, column) if owner else name
        found[key] = {"name": name, "options": options,
                      "type": type_, "owner": (owner, column) if owner else None,
                      "identity": "identity" if kind == "i" else None}
    return found


def _refuse_unsupported(cursor: Any, schema: dict[str, str]) -> None:
    """Objects this generator does not copy: a migration that adds one must fail loudly
    here (and in the clone-equals-migrate test), not give partners a different schema."""
    unsupported = _rows(cursor, """
        SELECT 'relation ' || relname || ' (kind ' || relkind::text || ')' FROM pg_class
        WHERE relnamespace = to_regnamespace(%(schema)s) AND relkind NOT IN ('r', 'i', 'S')
        UNION ALL
        SELECT 'function ' || proname FROM pg_proc WHERE pronamespace = to_regnamespace(%(schema)s)
        UNION ALL
        SELECT 'type ' || typname FROM pg_type
        WHERE typnamespace = to_regnamespace(%(schema)s) AND typtype NOT IN ('c', 'b')
        UNION ALL
        SELECT 'comment on ' || c.relname FROM pg_description d JOIN pg_class c ON c.oid = d.objoid
        WHERE d.classoid = 'pg_class'::regclass AND c.relnamespace = to_regnamespace(%(schema)s)
        UNION ALL
        SELECT 'constraint ' || conname || ' (kind ' || contype::text || ')' FROM pg_constraint
        WHERE connamespace = to_regnamespace(%(schema)s) AND contype = 't'
    """, schema)
    if unsupported:
        raise TemplateError("The template schema holds objects new schemas cannot be made "
                            "from: " + ", ".join(row[0] for row in unsupported))


def _refuse_template_references(ddl: str) -> None:
    """Deparsed definitions name the template's objects without their schema; one naming
    the template would make partners' schemas depend on it."""
    copies = f"FROM {quote(TEMPLATE_SCHEMA)}."
    named = re.compile(r'(?<![\w"])"?' + re.escape(TEMPLATE_SCHEMA) + r'"?\.')
    if named.search(ddl.replace(copies, "")):
        raise TemplateError("A definition of the template names the template schema itself.")
