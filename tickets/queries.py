"""One partner schema's escalated tickets and replacements as the console's index holds
them (portal/consoleindex), each with the latest updated_at of the rows it shows: the
SELECTs that each ticket or replacement action, and the rebuild, hand to
consoleindex.sync in the partner's schema.

"Escalated" is any level beyond the partner's (the models' `escalated()`); whether a ticket
is breached is left to the console's query, from the due instants and `breach_recorded`.
"""

from collections.abc import Iterable

from contracts.models import Customer
from inventory.models import Device
from portal.consoleindex import services as console_index
from portal.consoleindex.models import IndexedRma, IndexedTicket

from .models import Breach, Rma, Ticket


def escalated_tickets_select() -> tuple[str, list[object]]:
    sql = (
        f"SELECT t.id, t.customer_id, c.name, c.site_id, t.subject, t.priority, t.status, "
        f"t.escalation_level, t.escalated_at, t.first_response_at, t.response_due_at, "
        f"t.resolution_due_at, t.resolved_at, t.cloud_partner, t.cloud_incident_number, "
        f"EXISTS (SELECT 1 FROM {Breach._meta.db_table} b WHERE b.ticket_id = t.id), "
        f"GREATEST(t.updated_at, c.updated_at) "
        f"FROM {Ticket._meta.db_table} t "
        f"JOIN {Customer._meta.db_table} c ON c.id = t.customer_id "
        f"WHERE t.escalation_level <> %s")
    return sql, [Ticket.Level.PARTNER]


def rmas_select() -> tuple[str, list[object]]:
    sql = (
        f"SELECT r.id, r.customer_id, c.name, c.site_id, r.status, r.category, "
        f"r.requested_at, r.promised_ship_date, r.shipped_at, r.chargeable, d.serial, "
        f"r.product_model_id, r.ship_to_country, c.time_zone, "
        f"GREATEST(r.updated_at, c.updated_at, d.updated_at) "
        f"FROM {Rma._meta.db_table} r "
        f"JOIN {Device._meta.db_table} d ON d.id = r.device_id "
        f"JOIN {Customer._meta.db_table} c ON c.id = r.customer_id")
    return sql, []


def index_tickets(ids: Iterable[int] | None = None) -> None:
    """Writes the console's index rows of these tickets of the current schema (all of
    them without `ids`): escalated ones are written, the others removed."""
    console_index.sync(IndexedTicket, *escalated_tickets_select(), ids=ids)


def index_rmas(ids: Iterable[int] | None = None) -> None:
    """Writes the console's index rows of these replacements (all without `ids`)."""
    console_index.sync(IndexedRma, *rmas_select(), ids=ids)
