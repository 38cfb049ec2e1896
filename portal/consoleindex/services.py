"""Writing the console's index (models.py) from a partner's schema.

The partner's apps call these in the transaction of their own change, inside the
partner's schema: the index table is in the public schema of the same database, so the
partner's row and its index row commit, or roll back, together.

`sync` re-reads the rows from the partner's tables with the app's own SELECT (see
tickets/queries.py, reporting/queries.py), so every write path and the rebuild copy the
same columns the same way; the write paths name the ids they changed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, models
from django.utils import timezone
from django_tenants.utils import get_public_schema_name

from .models import (
    IndexedCustomer,
    IndexedQuote,
    IndexedReport,
    IndexedRma,
    IndexedRow,
    IndexedTicket,
    StatusCount,
)

DENORMALISED = (IndexedTicket, IndexedRma, IndexedReport, IndexedQuote)


def _current_schema() -> str:
    """The partner's schema the connection is in (django-tenants' connection)."""
    return str(connection.schema_name)  # type: ignore[attr-defined]


def _table(model: type[models.Model]) -> str:
    quote = connection.ops.quote_name
    return f"{quote(get_public_schema_name())}.{quote(model._meta.db_table)}"


def sync(model: type[IndexedRow], select: str, params: Sequence[Any],
         ids: Iterable[int] | None = None) -> None:
    """Brings the current partner's rows of `model` in step with `select`, a SELECT in the
    partner's schema whose columns are `model.SOURCE_COLUMNS` in that order, then the
    latest updated_at of the source rows, and whose rows are those the index should hold:
    ids it returns are written, the other `ids` removed. Without `ids`, the whole of the
    partner's part of the index (the rebuild).

    A row is only written when something it shows changed, so that a sync through the
    console's API never gets a row again for nothing: a write names the time of the
    change as the row's updated_at; the rebuild, the source rows' own (a rebuild that
    finds nothing to correct leaves every row as it was)."""
    schema = _current_schema()
    columns = model.SOURCE_COLUMNS
    quoted = [connection.ops.quote_name(column) for column in columns]
    table = _table(model)
    id_list = None if ids is None else sorted(set(ids))
    if id_list == []:
        return
    source_filter, gone_filter, filter_params = "", "", []
    if id_list is not None:
        source_filter = " WHERE s.object_id = ANY(%s)"
        gone_filter = " AND i.object_id = ANY(%s)"
        filter_params = [id_list]
    names = ", ".join(f"s.{column}" for column in quoted)
    shown = quoted[1:]
    if id_list is None:
        stamp, stamp_params, compared = "src.source_updated_at", [], [*shown, "updated_at"]
    else:
        stamp, stamp_params, compared = "%s", [timezone.now()], shown
    updates = ", ".join(f"{column} = EXCLUDED.{column}" for column in [*shown, "updated_at"])
    changed = (f"ROW({', '.join('i.' + column for column in compared)}) IS DISTINCT FROM "
               f"ROW({', '.join('EXCLUDED.' + column for column in compared)})")
    sql = (
        f"WITH src AS (SELECT {names}, s.source_updated_at "
        f"FROM ({select}) s({', '.join(quoted)}, source_updated_at){source_filter}), "
        f"gone AS (DELETE FROM {table} i WHERE i.schema_name = %s{gone_filter} "
        f"AND NOT EXISTS (SELECT 1 FROM src WHERE src.object_id = i.object_id)) "
        f"INSERT INTO {table} AS i (schema_name, {', '.join(quoted)}, updated_at) "
        f"SELECT %s, {', '.join('src.' + column for column in quoted)}, {stamp} FROM src "
        f"ON CONFLICT (schema_name, object_id) DO UPDATE SET {updates} WHERE {changed}")
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *filter_params, schema, *filter_params, schema,
                             *stamp_params])


def customer_changed(customer_id: int, *, name: str, site_id: str, city: str, country: str,
                     time_zone: str, language: str) -> None:
    """A customer of the current partner was edited: its name and Site ID as the queues
    show them, and its row if it is assigned to a CSM. Only rows that show something
    else now are written (and so count as changed)."""
    schema = _current_schema()
    now = timezone.now()
    for model in DENORMALISED:
        model.objects.filter(partner_id=schema, customer_id=customer_id).exclude(
            customer_name=name, site_id=site_id).update(
            customer_name=name, site_id=site_id, updated_at=now)
    IndexedRma.objects.filter(partner_id=schema, customer_id=customer_id).exclude(
        time_zone=time_zone).update(time_zone=time_zone, updated_at=now)
    values = {"customer_name": name, "site_id": site_id, "city": city, "country": country,
              "time_zone": time_zone, "language": language}
    IndexedCustomer.objects.filter(partner_id=schema, object_id=customer_id).exclude(
        **values).update(**values, updated_at=now)


def customer_assigned(customer_id: int, *, moved: bool, name: str, site_id: str,
                      city: str, country: str, time_zone: str, language: str) -> None:
    """A customer of the current partner now has a CSM; `moved`: another one than before
    (or none before). The CSM's lists then hold the customer's row and its reports and
    quotes as changed now: their syncs would miss rows changed before they were theirs."""
    schema = _current_schema()
    now = timezone.now()
    values = {"customer_id": customer_id, "customer_name": name, "site_id": site_id,
              "city": city, "country": country, "time_zone": time_zone,
              "language": language}
    rows = IndexedCustomer.objects.filter(partner_id=schema, object_id=customer_id)
    if not moved and rows.exists():
        rows.exclude(**values).update(**values, updated_at=now)
        return
    IndexedCustomer.objects.update_or_create(partner_id=schema, object_id=customer_id,
                                             defaults={**values, "updated_at": now})
    for model in (IndexedReport, IndexedQuote):
        model.objects.filter(partner_id=schema, customer_id=customer_id).update(
            updated_at=now)


def customer_unassigned(schema_name: str, customer_id: int) -> None:
    IndexedCustomer.objects.filter(partner_id=schema_name, object_id=customer_id).delete()


def replace_customers(rows: Iterable[dict[str, Any]]) -> None:
    """The current partner's assigned customers, all of them (the rebuild), each changed
    when its customer last was."""
    schema = _current_schema()
    IndexedCustomer.objects.filter(partner_id=schema).delete()
    IndexedCustomer.objects.bulk_create([
        IndexedCustomer(partner_id=schema, object_id=row["id"], customer_id=row["id"],
                        customer_name=row["name"], site_id=row["site_id"],
                        city=row["city"], country=row["country"],
                        time_zone=row["time_zone"], language=row["language"],
                        updated_at=row["updated_at"])
        for row in rows])


# The partners' tables whose rows /metrics counts by status (StatusCount), each with a
# row's status as the triggers work it out (migration 0008).
COUNTED_STATUSES = {
    "inventory_lensimport": "status",
    "reporting_reportrun": "{public}.consoleindex_report_run_status(total, done, failed)",
}


def recount_statuses() -> None:
    """Counts the current partner's rows of each counted table by status again (the
    rebuild). The tables take no writes from here to the end of the caller's transaction:
    a write counted by its trigger meanwhile would otherwise be overwritten by a count
    made without it."""
    schema = _current_schema()
    quote = connection.ops.quote_name
    public, table = quote(get_public_schema_name()), _table(StatusCount)
    tables = list(COUNTED_STATUSES)
    counted = " UNION ALL ".join(
        f"SELECT '{name}', {status.format(public=public)}, count(*) "
        f"FROM {quote(name)} GROUP BY 2" for name, status in COUNTED_STATUSES.items())
    with connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {', '.join(map(quote, tables))} IN SHARE MODE")
        cursor.execute(
            f"WITH counted (table_name, status, rows) AS ({counted}), "
            f"gone AS (DELETE FROM {table} c WHERE c.schema_name = %s "
            f"AND c.table_name = ANY(%s) AND NOT EXISTS (SELECT 1 FROM counted "
            f"WHERE counted.table_name = c.table_name AND counted.status = c.status)) "
            f"INSERT INTO {table} AS c (schema_name, table_name, status, rows) "
            f"SELECT %s, table_name, status, rows FROM counted "
            f"ON CONFLICT (schema_name, table_name, status) "
            f"DO UPDATE SET rows = EXCLUDED.rows WHERE c.rows <> EXCLUDED.rows",
            [schema, tables, schema])
