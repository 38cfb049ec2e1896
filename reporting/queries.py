"""One partner schema's monthly reports as the console's index holds them
(portal/consoleindex): the SELECT that report actions, and the rebuild, hand to
consoleindex.sync in the partner's schema."""

from collections.abc import Iterable

from contracts.models import Customer
from portal.consoleindex import services as console_index
from portal.consoleindex.models import IndexedReport

from .models import MonthlyReport, TrueUpQuote


def reports_select() -> tuple[str, list[object]]:
    sql = (
        f"SELECT r.id, r.customer_id, c.name, c.site_id, r.month, r.status, "
        f"r.generated_at, r.published_at, "
        f"COALESCE(r.figures -> 'categories', '[]'::jsonb), "
        f"COALESCE((r.figures -> 'true_up' ->> 'due')::boolean, false), "
        f"EXISTS (SELECT 1 FROM {TrueUpQuote._meta.db_table} q "
        f"WHERE q.report_id = r.id AND q.status = %s) "
        f"FROM {MonthlyReport._meta.db_table} r "
        f"JOIN {Customer._meta.db_table} c ON c.id = r.customer_id")
    return sql, [TrueUpQuote.Status.ISSUED.value]


def index_reports(ids: Iterable[int] | None = None) -> None:
    """Writes the console's index rows of these reports of the current schema (all of
    them without `ids`)."""
    console_index.sync(IndexedReport, *reports_select(), ids=ids)
