"""`manage.py migrate_partners`: a new migration reaches the template and every partner
schema; schemas already up to date are skipped; a migration failing in one partner's schema
names the partner, leaves that schema as it was and the others migrated."""

import os
import subprocess
import sys
import threading

import pytest
from django.db import connection

from portal.tenants.template import recorded_only_migrations
from tests.browser.conftest import database_url
from tests.faults.conftest import REPO_ROOT

SCHEMAS = ("_template", "alpha", "beta")


def migrate_partners(migrations_module, shared=False):
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="tests.latecomer_settings",
               LATECOMER_MIGRATIONS=migrations_module, LATECOMER_SHARED="1" if shared else "0",
               DATABASE_URL=database_url(connection.settings_dict), DB_CONN_MAX_AGE="0")
    return subprocess.run([sys.executable, "manage.py", "migrate_partners", "--parallel", "2"],
                          cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300)


def latecomer_state(schema):
    """(migration records of the late app, the note table's columns) in `schema`."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT name FROM {schema}.django_migrations WHERE app = 'latecomer' "
                       "ORDER BY name")
        records = [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT column_name FROM information_schema.columns WHERE "
                       "table_schema = %s AND table_name = 'latecomer_note' ORDER BY 1",
                       [schema])
        return records, [row[0] for row in cursor.fetchall()]


def forget_the_latecomer():
    """Committed by the command: undone on a connection of its own, every schema."""
    errors = []

    def run():
        try:
            with connection.cursor() as cursor:
                for schema in ("public", *SCHEMAS):
                    cursor.execute(f"DROP TABLE IF EXISTS {schema}.latecomer_note")
                    cursor.execute(f"DELETE FROM {schema}.django_migrations "
                                   "WHERE app = 'latecomer'")
                    cursor.execute(f"DELETE FROM {schema}.auth_permission WHERE content_type_id "
                                   f"IN (SELECT id FROM {schema}.django_content_type "
                                   "WHERE app_label = 'latecomer')")
                    cursor.execute(f"DELETE FROM {schema}.django_content_type "
                                   "WHERE app_label = 'latecomer'")
                    # The template's sequences as a fresh migrate leaves them: the
                    # schemas made from it are compared with a migrated one.
                    for table in ("django_migrations", "django_content_type",
                                  "auth_permission"):
                        cursor.execute(
                            f"SELECT setval(pg_get_serial_sequence('{schema}.{table}', 'id'), "
                            f"max(id)) FROM {schema}.{table} HAVING count(*) > 0")
        except Exception as error:  # noqa: BLE001 — reported below
            errors.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    assert not errors, errors


@pytest.fixture
def late_migrations(db):
    yield
    forget_the_latecomer()


def test_a_new_migration_reaches_the_template_and_every_partner(late_migrations):
    result = migrate_partners("tests.portal.latecomer.arrives")

    assert result.returncode == 0, result.stderr[-3000:]
    assert "to migrate" in result.stdout
    assert "Alpha Communications (alpha): migrated" in result.stdout
    assert "Beta Réseaux (beta): migrated" in result.stdout
    for schema in SCHEMAS:
        assert latecomer_state(schema) == (["0001_note"], ["body", "id"]), schema

    again = migrate_partners("tests.portal.latecomer.arrives")
    assert again.returncode == 0, again.stderr[-3000:]
    assert "0 to migrate" in again.stdout
    assert "migrated" not in again.stdout


def test_a_public_schema_migration_is_only_recorded_in_partners_schemas(late_migrations):
    """A migration of an app of the public schema alone does nothing in a partner's
    schema: at a thousand partners, a migrate of each would take minutes for nothing."""
    result = migrate_partners("tests.portal.latecomer.arrives", shared=True)

    assert result.returncode == 0, result.stderr[-3000:]
    assert "2 to record the public schema's migrations in, 0 to migrate" in result.stdout
    assert "Recorded in 2 partner schemas: latecomer.0001_note" in result.stdout
    assert "): migrated" not in result.stdout
    assert latecomer_state("public") == (["0001_note"], ["body", "id"])
    # The template is migrated: the same records as a partner's schema, and no table.
    for schema in SCHEMAS:
        assert latecomer_state(schema) == (["0001_note"], []), schema

    again = migrate_partners("tests.portal.latecomer.arrives", shared=True)
    assert again.returncode == 0, again.stderr[-3000:]
    assert "0 to record the public schema's migrations in, 0 to migrate" in again.stdout


def test_only_migrations_that_would_do_nothing_in_a_partners_schema_are_recorded():
    recorded = recorded_only_migrations()
    # Fields, indexes and SQL of the public schema's index.
    assert "consoleindex.0010_customer_latest_report" in recorded
    # A model created: its content type and permissions are written in partners' schemas.
    assert "console.0001_initial" not in recorded
    assert "consoleindex.0001_console_index" not in recorded
    # Partners' apps, and the apps in both schemas.
    assert not {key for key in recorded
                if key.split(".")[0] in {"contracts", "tickets", "auth", "contenttypes",
                                         "users", "account"}}


def test_a_migration_failing_in_one_partner_names_it_and_leaves_its_schema_as_it_was(
        late_migrations):
    result = migrate_partners("tests.portal.latecomer.fails_in_beta")

    assert result.returncode != 0
    assert "Beta Réseaux (beta): FAILED" in result.stderr
    assert "this migration cannot run in beta" in result.stderr
    assert "Alpha Communications (alpha): migrated" in result.stdout
    # Beta: neither migration, nor the table the first one made before the second failed.
    assert latecomer_state("beta") == ([], [])
    for schema in ("_template", "alpha"):
        assert latecomer_state(schema) == (["0001_note", "0002_fails_in_beta"],
                                           ["author", "body", "id"]), schema
