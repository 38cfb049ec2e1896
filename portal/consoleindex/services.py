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

from django.db import connection
from django_tenants.utils import get_public_schema_name

from .models import (
    IndexedCustomer,
    IndexedQuote,
    IndexedReport,
    IndexedRma,
    IndexedRow,
    IndexedTicket,
)

DENORMALISED = (IndexedTicket, IndexedRma, IndexedReport, IndexedQuote)


def _current_schema() -> str:
    """The partner's schema the connection is in (django-tenants' connection)."""
    return str(connection.schema_name)  # type: ignore[attr-defined]


def _table(model: type[IndexedRow]) -> str:
    quote = connection.ops.quote_name
    return f"{quote(get_public_schema_name())}.{quote(model._meta.db_table)}"


def sync(model: type[IndexedRow], select: str, params: Sequence[Any],
         ids: Iterable[int] | None = None) -> None:
    """Brings the current partner's rows of `model` in step with `select`, a SELECT in the
    partner's schema whose columns are `model.SOURCE_COLUMNS` in that order and whose rows
    are those the index should hold: ids it returns are written, the other `ids` removed.
    Without `ids`, the whole of the partner's part of the index (the rebuild)."""
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
    updates = ", ".join(f"{column} = EXCLUDED.{column}" for column in quoted[1:])
    sql = (
        f"WITH src AS (SELECT {names} FROM ({select}) s({', '.join(quoted)}){source_filter}), "
        f"gone AS (DELETE FROM {table} i WHERE i.schema_name = %s{gone_filter} "
        f"AND NOT EXISTS (SELECT 1 FROM src WHERE src.object_id = i.object_id)) "
        f"INSERT INTO {table} (schema_name, {', '.join(quoted)}) "
        f"SELECT %s, {', '.join('src.' + column for column in quoted)} FROM src "
        f"ON CONFLICT (schema_name, object_id) DO UPDATE SET {updates}")
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *filter_params, schema, *filter_params, schema])


def customer_changed(customer_id: int, *, name: str, site_id: str, city: str, country: str,
                     time_zone: str, language: str) -> None:
    """A customer of the current partner was edited: its name and Site ID as the queues
    show them, and its row if it is assigned to a CSM."""
    schema = _current_schema()
    for model in DENORMALISED:
        model.objects.filter(partner_id=schema, customer_id=customer_id).update(
            customer_name=name, site_id=site_id)
    IndexedRma.objects.filter(partner_id=schema, customer_id=customer_id).update(
        time_zone=time_zone)
    IndexedCustomer.objects.filter(partner_id=schema, object_id=customer_id).update(
        customer_name=name, site_id=site_id, city=city, country=country,
        time_zone=time_zone, language=language)


def customer_assigned(customer_id: int, *, name: str, site_id: str, city: str,
                      country: str, time_zone: str, language: str) -> None:
    """A customer of the current partner now has a CSM."""
    IndexedCustomer.objects.update_or_create(
        partner_id=_current_schema(), object_id=customer_id,
        defaults={"customer_id": customer_id, "customer_name": name, "site_id": site_id,
                  "city": city, "country": country, "time_zone": time_zone,
                  "language": language})


def customer_unassigned(schema_name: str, customer_id: int) -> None:
    IndexedCustomer.objects.filter(partner_id=schema_name, object_id=customer_id).delete()


def replace_customers(rows: Iterable[dict[str, Any]]) -> None:
    """The current partner's assigned customers, all of them (the rebuild)."""
    schema = _current_schema()
    IndexedCustomer.objects.filter(partner_id=schema).delete()
    IndexedCustomer.objects.bulk_create([
        IndexedCustomer(partner_id=schema, object_id=row["id"], customer_id=row["id"],
                        customer_name=row["name"], site_id=row["site_id"],
                        city=row["city"], country=row["country"],
                        time_zone=row["time_zone"], language=row["language"])
        for row in rows])
