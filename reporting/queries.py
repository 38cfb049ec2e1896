"""One partner schema's monthly reports as the console's index holds them
(portal/consoleindex), each with the latest updated_at of the rows it shows: the
SELECTs that report actions, and the rebuild, hand to consoleindex.sync in the
partner's schema."""

from collections.abc import Iterable

from contracts.models import Customer
from portal.consoleindex import services as console_index
from portal.consoleindex.models import IndexedQuote, IndexedReport

from .models import MonthlyReport, TrueUpQuote


def reports_select() -> tuple[str, list[object]]:
    sql = (
        f"SELECT r.id, r.customer_id, c.name, c.site_id, r.month, r.status, "
        f"r.generated_at, r.published_at, "
        f"COALESCE(r.figures -> 'categories', '[]'::jsonb), "
        f"COALESCE((r.figures -> 'true_up' ->> 'due')::boolean, false), "
        f"EXISTS (SELECT 1 FROM {TrueUpQuote._meta.db_table} q "
        f"WHERE q.report_id = r.id AND q.status = %s), "
        f"GREATEST(r.updated_at, c.updated_at, (SELECT MAX(q.updated_at) FROM "
        f"{TrueUpQuote._meta.db_table} q WHERE q.report_id = r.id)) "
        f"FROM {MonthlyReport._meta.db_table} r "
        f"JOIN {Customer._meta.db_table} c ON c.id = r.customer_id")
    return sql, [TrueUpQuote.Status.ISSUED.value]


def index_reports(ids: Iterable[int] | None = None) -> None:
    """Writes the console's index rows of these reports of the current schema (all of
    them without `ids`)."""
    console_index.sync(IndexedReport, *reports_select(), ids=ids)


# The quotes the console lists: a superseded one gave way to a newer quote of its contract.
LISTED_QUOTE_STATUSES = (TrueUpQuote.Status.ISSUED.value, TrueUpQuote.Status.ACCEPTED.value,
                         TrueUpQuote.Status.DECLINED.value)


def quotes_select() -> tuple[str, list[object]]:
    sql = (
        f"SELECT q.id, r.customer_id, c.name, c.site_id, q.report_id, q.status, q.currency, "
        f"q.total, q.adjustment_month, q.issued_at, q.decided_at, "
        f"GREATEST(q.updated_at, c.updated_at) "
        f"FROM {TrueUpQuote._meta.db_table} q "
        f"JOIN {MonthlyReport._meta.db_table} r ON r.id = q.report_id "
        f"JOIN {Customer._meta.db_table} c ON c.id = r.customer_id "
        f"WHERE q.status = ANY(%s)")
    return sql, [list(LISTED_QUOTE_STATUSES)]


def index_quotes(ids: Iterable[int] | None = None) -> None:
    """Writes the console's index rows of these quotes of the current schema (all of them
    without `ids`); a superseded quote's row is removed."""
    console_index.sync(IndexedQuote, *quotes_select(), ids=ids)
