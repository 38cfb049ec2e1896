"""A list asked for whole (no filter: only its page and order) is read through SQL compiled
once per thread (portal/prepared.py); with a filter given, through the ORM. Both must show
the same rows in the same order, on every page, for every order and every role."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from inventory.filters import DEVICE_SORTS
from tickets import services as ticket_services
from tickets.filters import TICKET_SORTS
from tickets.rma.filters import RMA_SORTS

from .test_rma import approve, request

NOW = datetime(2026, 3, 4, 9, 30, tzinfo=ZoneInfo("UTC"))
TBODY = re.compile(r"<tbody>(.*?)</tbody>", re.S)


@pytest.fixture
def rows(setup, monkeypatch):
    """Alpha with replacements (some late at NOW), tickets of every priority and devices
    over three pages of two."""
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    for index in range(4):
        setup["device"](f"WL-{index:04d}")
    late = approve(setup, request(setup, "WL-0000"))
    request(setup, "WL-0001", when=NOW - timedelta(days=1))
    assert late.promised_ship_date < NOW.date()
    for index, priority in enumerate(["P1", "P2", "P3", "P4", "P2"]):
        ticket_services.open_ticket(
            user=setup["user"], customer=setup["customer"], subject=f"Whole {index}",
            description="No sound.", category="technical", priority=priority)
    return setup


def _bodies(client, path, order, page):
    """The table of the whole list and of the same list through its filter form."""
    query = f"?sort={order}&page={page}" if order else f"?page={page}"
    whole = client.get(path + query)
    filtered = client.get(path + query + "&q=")
    assert whole.status_code == filtered.status_code == 200
    return tuple(found.group(1) if (found := TBODY.search(answer.content.decode())) else ""
                 for answer in (whole, filtered))


@pytest.mark.parametrize("persona", ["alpha_admin", "alpha_agent", "alpha_customer1",
                                     "alpha_customer2"])
@pytest.mark.parametrize(("path", "sorts"), [("/devices/", DEVICE_SORTS),
                                             ("/tickets/", TICKET_SORTS),
                                             ("/rma/", RMA_SORTS)])
def test_a_whole_list_shows_what_its_filtered_twin_shows(world, rows, persona, path, sorts,
                                                          monkeypatch):
    for module in ("inventory.views", "tickets.views", "tickets.rma.views"):
        monkeypatch.setattr(f"{module}.PAGE_SIZE", 2)
    client = world[persona].client()
    shown = 0
    for order in ["", "nonsense", *sorts, *(f"-{key}" for key in sorts)]:
        for page in (1, 2, 3):
            whole, filtered = _bodies(client, path, order, page)
            assert whole == filtered, (path, order, page)
            shown += whole.count("<tr>")
    # The second customer's user sees none of the first customer's rows, either way.
    assert (shown == 0) == (persona == "alpha_customer2")
