"""The console index's triggers under real concurrency: threads, each with its own
connection, on committed rows. A report's row written locks its customer's row after its
own (its latest figures, migration 0010); an assignment moving the customer's rows locks
them in that order too (migration 0012), so neither waits on the other in a cycle, which
PostgreSQL would break by failing one of them."""

import threading
import time
from datetime import date

from django.db import connection, transaction

from console.models import CsmAssignment
from portal.consoleindex.models import IndexedCustomer, IndexedReport
from tests.threads import at_once

CUSTOMER = 990_001  # an id no world customer has: its rows are this test's alone


def rows(partner):
    IndexedCustomer.objects.create(partner_id=partner.schema_name, object_id=CUSTOMER,
                                   customer_id=CUSTOMER, customer_name="Locks SA",
                                   site_id="LK-1", country="FR", time_zone="Europe/Paris",
                                   language="fr")
    return [IndexedReport.objects.create(
        partner_id=partner.schema_name, object_id=CUSTOMER + month, customer_id=CUSTOMER,
        customer_name="Locks SA", site_id="LK-1", month=date(2026, month, 1), status="draft",
        categories=[{"category": "video", "ordered": 1, "baseline": "1.05", "actual": 1}])
        for month in (9, 10)]


def forget(partner):
    for model in (IndexedReport, IndexedCustomer):
        model.objects.filter(partner_id=partner.schema_name, customer_id=CUSTOMER).delete()
    CsmAssignment.objects.filter(partner=partner, customer_id=CUSTOMER).delete()


def waiting_on_a_lock():
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = "
                       "current_database() AND wait_event_type = 'Lock'")
        return cursor.fetchone()[0]


def test_a_report_written_while_its_customer_is_unassigned_both_land(world):
    partner = world.alpha
    csm = world["csm"].user
    [made] = at_once(partner, [lambda: (
        rows(partner),
        CsmAssignment.objects.create(partner=partner, customer_id=CUSTOMER, csm=csm))])
    assert not isinstance(made, Exception), made
    september, october = IndexedReport.objects.filter(
        customer_id=CUSTOMER, partner_id=partner.schema_name).order_by("month")
    holding = threading.Event()

    def write_the_report():
        with transaction.atomic():
            # The writer holds October's row, as between two statements of its own...
            IndexedReport.objects.select_for_update().get(pk=october.pk)
            holding.set()
            deadline = time.monotonic() + 20
            while not waiting_on_a_lock() and time.monotonic() < deadline:
                time.sleep(0.05)
            # ...while the assignment waits for it; then its figures change.
            IndexedReport.objects.filter(pk=october.pk).update(categories=[
                {"category": "video", "ordered": 1, "baseline": "1.05", "actual": 3}],
                true_up_due=True)
        return "written"

    def unassign():
        holding.wait(timeout=20)
        with transaction.atomic():
            CsmAssignment.objects.filter(partner=partner, customer_id=CUSTOMER).delete()
        return "unassigned"

    try:
        assert at_once(partner, [write_the_report, unassign]) == ["written", "unassigned"]
        customer = IndexedCustomer.objects.get(partner_id=partner.schema_name,
                                               object_id=CUSTOMER)
        assert (customer.csm_id, customer.latest_month, customer.latest_true_up_due) == (
            None, date(2026, 10, 1), True)
        assert list(IndexedReport.objects.filter(customer_id=CUSTOMER).values_list(
            "month", "csm_id").order_by("month")) == [(september.month, None),
                                                     (october.month, None)]
    finally:
        [done] = at_once(partner, [lambda: forget(partner)])
        assert not isinstance(done, Exception), done
