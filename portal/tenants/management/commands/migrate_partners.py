"""Brings the public schema, the template of new partners and every partner's schema up to
date, quickly when there is little or nothing to do.

Every schema's migration records are read at once (a few statements for a thousand
partners) and compared with the code's migrations; schemas already up to date are left
alone. A partner's schema that lacks only migrations of the public schema's apps which
would do nothing there (portal.tenants.template.recorded_only_migrations) gets their
records, one statement per schema; the others are migrated in parallel processes, each
with its own connection.

Each schema is migrated in one transaction: a failure in one partner's schema leaves that
schema as it was (none of its new migrations applied), is reported with the partner's name
and makes the command exit non-zero; the other schemas are each migrated completely.
"""

import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connections
from django_tenants.utils import get_public_schema_name

from portal.tenants.models import Partner
from portal.tenants.template import (
    applied_migrations,
    ensure_template,
    migrate_schema,
    pending_migrations,
    prepare_spare_schemas,
    record_migrations,
    recorded_only_migrations,
)


def migrate_in_own_process(schema_name: str) -> tuple[str, str | None]:
    try:
        migrate_schema(schema_name)
    except Exception as error:  # noqa: BLE001 — reported with the partner by the parent
        return schema_name, f"{type(error).__name__}: {error}"
    finally:
        connections.close_all()
    return schema_name, None


class Command(BaseCommand):
    help = "Migrates the public schema, the template and every partner schema that needs it."

    def add_arguments(self, parser):
        parser.add_argument("--parallel", type=int, default=os.cpu_count() or 1,
                            help="Schemas migrated at once (default: the number of cores).")

    def handle(self, *args, parallel, verbosity, **options):
        started = time.perf_counter()
        public = get_public_schema_name()
        if pending_migrations(applied_migrations([public])[public]):
            self.say(verbosity, "Migrating the public schema…")
            migrate_schema(public, verbosity=max(verbosity - 1, 0))
        # The template first: a partner created meanwhile is made from an up-to-date one.
        ensure_template()

        names = dict(Partner.objects.partners().values_list("schema_name", "name"))
        applied = applied_migrations(list(names))
        missing = sorted(schema for schema, records in applied.items() if records is None
                         and not self.schema_exists(schema))
        pending = {schema: pending_migrations(records) for schema, records in applied.items()
                   if schema not in missing}
        only_recorded = sorted(schema for schema, keys in pending.items()
                               if keys and set(keys) <= recorded_only_migrations())
        behind = sorted(schema for schema, keys in pending.items()
                        if keys and schema not in only_recorded)
        for schema in missing:
            # Still being provisioned, or its provisioning failed: made when it is retried.
            self.say(verbosity, f"{names[schema]} ({schema}): no schema yet, skipped")
        self.say(verbosity, f"{len(pending) - len(behind) - len(only_recorded)} partner "
                            f"schemas up to date, {len(only_recorded)} to record the public "
                            f"schema's migrations in, {len(behind)} to migrate")

        failures = self.record_all(only_recorded, pending, names, verbosity)
        failures += self.migrate_all(behind, parallel, names, verbosity)
        # Spares behind the code are dropped and made again from the migrated template.
        made = prepare_spare_schemas()
        if made:
            self.say(verbosity, f"{made} spare schema(s) made for the next onboardings")
        self.say(verbosity, f"Done in {time.perf_counter() - started:.1f} s")
        if failures:
            raise CommandError(
                f"Migrations failed in {len(failures)} partner schema(s), left as they were: "
                + "; ".join(f"{names.get(s, s)} ({s}): {error}" for s, error in failures))

    def record_all(self, schemas, pending, names, verbosity):
        """Records the migrations of the public schema's apps in partners' schemas, where
        running them would do nothing else: one statement per schema, not a migrate."""
        failures = []
        for schema in schemas:
            try:
                record_migrations(schema, pending[schema])
            except DatabaseError as error:
                failures.append((schema, f"{type(error).__name__}: {error}"))
                self.stderr.write(f"{names[schema]} ({schema}): FAILED, left as it was: "
                                  f"{error}")
        if schemas:
            recorded = sorted(set().union(*(pending[schema] for schema in schemas)))
            self.say(verbosity, f"Recorded in {len(schemas) - len(failures)} partner "
                                f"schemas: {', '.join(recorded)}")
        return failures

    def migrate_all(self, schemas, parallel, names, verbosity):
        failures = []
        if not schemas:
            return failures
        workers = max(1, min(parallel, len(schemas)))
        # Children are forked: none may inherit the parent's open connection.
        connections.close_all()
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            for schema, error in pool.map(migrate_in_own_process, schemas):
                label = f"{names.get(schema, schema)} ({schema})"
                if error:
                    failures.append((schema, error))
                    self.stderr.write(f"{label}: FAILED, left as it was: {error}")
                else:
                    self.say(verbosity, f"{label}: migrated")
        return failures

    def schema_exists(self, schema):
        # A partner schema without a migration table is migrated if the schema exists.
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", [schema])
            return cursor.fetchone() is not None

    def say(self, verbosity, message):
        if verbosity >= 1:
            self.stdout.write(message)
