"""One partner schema's SELECT of monthly reports, for the console to put side by side
across partners (console/crossschema.py)."""

from contracts.models import Customer

from .models import MonthlyReport


def reports_select(schema, *, customer_ids, status=""):
    """The reports of `customer_ids` in `schema` (already quoted), with their customer."""
    condition = "r.customer_id = ANY(%s)" + (" AND r.status = %s" if status else "")
    sql = (
        f"SELECT r.id, r.customer_id, r.month, r.status, "
        f"r.generated_at, r.published_at, c.name, c.site_id "
        f"FROM {schema}.{MonthlyReport._meta.db_table} r "
        f"JOIN {schema}.{Customer._meta.db_table} c ON c.id = r.customer_id "
        f"WHERE {condition}")
    return sql, [customer_ids] + ([status] if status else [])
