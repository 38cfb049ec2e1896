"""One partner schema's SELECTs of escalated tickets and replacements, for the console to
put side by side across partners (console/crossschema.py).

Each function returns the SQL of one SELECT over the tables of `schema` (already quoted)
and its parameters. The conditions are the models' rules: "open" is the models'
OPEN_STATUSES, "breached" is tickets.models.breached_q written for raw SQL, "escalated" is
any level beyond the partner's.
"""

from contracts.models import Customer
from inventory.models import Device
from portal.catalogue.models import ProductModel

from .models import Breach, Rma, Ticket


def _placeholders(values):
    return ", ".join(["%s"] * len(values))


def _status_condition(alias, status, open_statuses):
    if status == "open":
        return [f"{alias}.status IN ({_placeholders(open_statuses)})"], list(open_statuses)
    if status:
        return [f"{alias}.status = %s"], [status]
    return [], []


def escalated_tickets_select(schema, *, now, status="open", level="", query=""):
    conditions, params = ["t.escalation_level <> %s"], [Ticket.Level.PARTNER]
    more, more_params = _status_condition("t", status, Ticket.OPEN_STATUSES)
    conditions += more
    params += more_params
    if level:
        conditions.append("t.escalation_level = %s")
        params.append(level)
    if query:
        conditions.append("(t.subject ILIKE %s OR c.site_id ILIKE %s OR c.name ILIKE %s "
                          "OR t.cloud_incident_number ILIKE %s)")
        params += [f"%{query}%"] * 4
    sql = (
        f"SELECT t.id, t.subject, t.priority, t.status, "
        f"t.escalation_level, t.escalated_at, t.resolution_due_at, t.resolved_at, "
        f"t.cloud_partner, c.name, c.site_id, "
        f"(EXISTS (SELECT 1 FROM {schema}.{Breach._meta.db_table} b "
        f"WHERE b.ticket_id = t.id) "
        f"OR (t.first_response_at IS NULL AND t.response_due_at <= %s) "
        f"OR (t.resolved_at IS NULL AND t.resolution_due_at <= %s)) AS breached "
        f"FROM {schema}.{Ticket._meta.db_table} t "
        f"JOIN {schema}.{Customer._meta.db_table} c ON c.id = t.customer_id "
        f"WHERE {' AND '.join(conditions)}")
    return sql, [now, now, *params]


def rmas_select(schema, *, status="open", query=""):
    conditions, params = _status_condition("r", status, Rma.OPEN_STATUSES)
    if query:
        conditions.append("(d.serial ILIKE %s OR c.site_id ILIKE %s OR c.name ILIKE %s)")
        params += [f"%{query}%"] * 3
    sql = (
        f"SELECT r.id, r.status, r.category, r.requested_at, "
        f"r.promised_ship_date, r.chargeable, d.serial, m.name, c.name, c.site_id "
        f"FROM {schema}.{Rma._meta.db_table} r "
        f"JOIN {schema}.{Device._meta.db_table} d ON d.id = r.device_id "
        f"JOIN {schema}.{Customer._meta.db_table} c ON c.id = r.customer_id "
        f"JOIN public.{ProductModel._meta.db_table} m ON m.id = r.product_model_id "
        f"WHERE {' AND '.join(conditions) or 'TRUE'}")
    return sql, params
