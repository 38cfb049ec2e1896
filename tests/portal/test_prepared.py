"""Queries compiled once per thread (portal/prepared.py) give what the queryset gives, with
each call's own values, in every thread."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import tenant_context

from contracts.models import Customer
from inventory import services as inventory_services
from inventory.models import Device
from portal.prepared import PreparedQuery, PreparedRows
from portal.users.models import User
from tests.factories import DeviceFactory

EMAIL = User._meta.get_field("email")


def _by_email(key):
    return PreparedQuery(key, lambda email: User.objects.select_related("customer")
                         .filter(email=email), {"email": EMAIL})


def _fields(instance):
    return {name: value for name, value in instance.__dict__.items() if name != "_state"}


def test_a_prepared_query_gives_the_querysets_instances_with_their_related_rows(world):
    query = _by_email("test:user-by-email")
    with tenant_context(world.alpha):
        for email in ("agent@alpha.example", "user1@customer.alpha.example", "nobody@x.y"):
            expected = list(User.objects.select_related("customer").filter(email=email))
            found = query(email=email)
            assert [_fields(user) for user in found] == [_fields(user) for user in expected]
            for mine, theirs in zip(found, expected, strict=True):
                assert not mine._state.adding and mine._state.db == "default"
                # The related row came with it: no query to read it.
                with CaptureQueriesContext(connection) as queries:
                    customer = mine.customer
                assert len(queries) == 0
                assert (customer and customer.site_id) == (
                    theirs.customer and theirs.customer.site_id)


def test_the_values_of_each_call_are_used_not_those_of_the_first(world):
    query = _by_email("test:user-by-email-2")
    with tenant_context(world.alpha):
        assert [user.email for user in query(email="agent@alpha.example")] == [
            "agent@alpha.example"]
        assert [user.email for user in query(email="admin@alpha.example")] == [
            "admin@alpha.example"]
        with CaptureQueriesContext(connection) as queries:
            query(email="user2@customer.alpha.example")
        [statement] = queries.captured_queries
        assert "user2@customer.alpha.example" in statement["sql"]
        assert "agent@alpha.example" not in statement["sql"]


def test_datetime_and_key_values_are_prepared_as_their_fields_prepare_them(world):
    with tenant_context(world.alpha):
        customer = world.customer(world.alpha, "AL-0001")
        device = DeviceFactory(customer=customer)
        since = device.updated_at - timedelta(microseconds=1)
        query = PreparedQuery(
            "test:devices-since",
            lambda customer, since: Device.objects.filter(customer=customer,
                                                          updated_at__gte=since),
            {"customer": Device._meta.get_field("customer"),
             "since": Device._meta.get_field("updated_at")})
        assert device in query(customer=customer.pk, since=since)
        assert device not in query(customer=customer.pk,
                                   since=device.updated_at + timedelta(microseconds=1))
        other = world.customer(world.alpha, "AL-0002")
        assert device not in query(customer=other.pk, since=since)


def test_a_queryset_with_prefetches_is_refused(world):
    query = PreparedQuery("test:prefetch", lambda email: User.objects.prefetch_related(
        "groups").filter(email=email), {"email": EMAIL})
    with tenant_context(world.alpha), pytest.raises(ValueError):
        query(email="agent@alpha.example")


def test_a_customer_user_polls_only_their_own_customers_devices(world):
    with tenant_context(world.alpha):
        mine = DeviceFactory(customer=world.customer(world.alpha, "AL-0001"))
        theirs = DeviceFactory(customer=world.customer(world.alpha, "AL-0002"))
        one = User.objects.get(email="user1@customer.alpha.example")
        two = User.objects.get(email="user2@customer.alpha.example")
        agent = world["alpha_agent"].user
        for user, sees, not_sees in ((one, mine, theirs), (two, theirs, mine)):
            rows = inventory_services.devices_prepared_for(user)
            found = PreparedQuery(rows.key, rows.build, rows.params)(**rows.values)
            assert sees in found and not_sees not in found
            assert set(found) == set(inventory_services.devices_visible_to(user))
        staff = inventory_services.devices_prepared_for(agent)
        assert {mine, theirs} <= set(
            PreparedQuery(staff.key, staff.build, staff.params)(**staff.values))
        nobody = User(role=one.role, customer=None)
        assert inventory_services.devices_prepared_for(nobody) is None


def test_threads_each_get_their_own_rows_at_the_same_time(world):
    """Four threads, each with its own connection, run one prepared query together with
    their own values, on rows committed once for the whole suite (the personas)."""
    query = _by_email("test:user-by-email-threads")
    emails = ["admin@alpha.example", "agent@alpha.example", "user1@customer.alpha.example",
              "user2@customer.alpha.example"]
    start = threading.Barrier(len(emails))
    wrong = []

    def poll(email):
        try:
            with tenant_context(world.alpha):
                start.wait()
                for _ in range(50):
                    found = [user.email for user in query(email=email)]
                    if found != [email]:
                        wrong.append((email, found))
        finally:
            connection.close()

    threads = [threading.Thread(target=poll, args=(email,)) for email in emails]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert wrong == []


def test_prepared_rows_page_through_the_api_in_the_querysets_order(world):
    """Sync pages read through a PreparedQuery come in (updated_at, id) order without a
    gap or a repeat, as the ORM's would."""
    from portal.api.pagination import PageParams, SyncParams, paginate_prepared, paginate_synced

    with tenant_context(world.alpha):
        customer = world.customer(world.alpha, "AL-0001")
        before = timezone.now()
        for _ in range(7):
            DeviceFactory(customer=customer)
        rows = PreparedRows("test:devices-of-customer", Device,
                            lambda customer: Device.objects.filter(customer=customer),
                            {"customer": Device._meta.get_field("customer")},
                            {"customer": customer.pk})
        sync = SyncParams(updated_since=before, ordering="updated_at")
        seen, expected, cursor, expected_cursor = [], [], None, None
        while True:
            page, cursor = paginate_prepared(rows, PageParams(cursor=cursor, limit=3), sync,
                                             "serial")
            orm_page, expected_cursor = paginate_synced(
                Device.objects.filter(customer=customer),
                PageParams(cursor=expected_cursor, limit=3), sync, "serial")
            seen += page
            expected += orm_page
            assert cursor == expected_cursor
            if cursor is None:
                break
        assert [device.pk for device in seen] == [device.pk for device in expected]
        assert len(seen) == 7


def test_active_contracts_come_with_their_lines_as_the_prefetch_gave_them(world):
    from contracts.models import Contract
    from inventory.coverage import active_contracts_by_customer

    with tenant_context(world.beta):
        one, two = (world.customer(world.beta, site_id) for site_id in ("BE-0001", "BE-0002"))
        today = timezone.localdate()
        expected = (Contract.objects.active().in_force(today).filter(customer=two)
                    .prefetch_related("lines").get())
        found = active_contracts_by_customer({one.pk, two.pk}, today)
        assert list(found) == [two.pk]
        contract = found[two.pk]
        assert contract.pk == expected.pk
        with CaptureQueriesContext(connection) as queries:
            assert contract.covered_categories == expected.covered_categories == ["headsets"]
        assert len(queries) == 0
        # Not in force that day, or no customer: none.
        assert active_contracts_by_customer([two.pk], expected.end + timedelta(days=1)) == {}
        assert active_contracts_by_customer([two.pk], expected.start - timedelta(days=1)) == {}
        assert active_contracts_by_customer([], today) == {}


def test_contracts_with_baselines_equal_what_prefetch_related_gives(world):
    from contracts.models import Contract
    from contracts.services import contracts_with_baselines, record_baseline_version

    with tenant_context(world.beta):
        customer = world.customer(world.beta, "BE-0002")
        [active] = Contract.objects.filter(customer=customer)
        record_baseline_version(active, effective_date=active.start + timedelta(days=30),
                                reason="true-up", author="tests",
                                ordered={"headsets": 7, "video": 2})
        expected = list(customer.contracts.prefetch_related("lines",
                                                            "baseline_versions__entries"))
        found = contracts_with_baselines(customer)
        with CaptureQueriesContext(connection) as queries:
            shape = [(contract.pk, [_fields(line) for line in contract.lines.all()],
                      [(version.number, [_fields(entry) for entry in version.entries.all()])
                       for version in contract.baseline_versions.all()])
                     for contract in found]
        assert len(queries) == 0
        assert shape == [(contract.pk, [_fields(line) for line in contract.lines.all()],
                          [(version.number, [_fields(entry) for entry in version.entries.all()])
                           for version in contract.baseline_versions.all()])
                         for contract in expected]
        assert [number for number, _entries in shape[0][2]] == [1, 2]
        assert [entry["category"] for entry in shape[0][2][1][1]] == ["headsets", "video"]


def test_a_thread_keeps_its_most_recently_used_plans_only(world, monkeypatch):
    from portal import prepared

    monkeypatch.setattr(prepared, "MAX_PLANS", 2)
    monkeypatch.setattr(prepared._plans, "by_key", None, raising=False)
    with tenant_context(world.alpha):
        queries = [_by_email(f"test:lru-{index}") for index in range(3)]
        for query in (queries[0], queries[1], queries[0], queries[2]):
            assert [user.email for user in query(email="agent@alpha.example")] == [
                "agent@alpha.example"]
        assert list(prepared._plans.by_key) == ["test:lru-0", "test:lru-2"]


def test_a_paginator_pages_prepared_rows_as_it_pages_the_queryset(world):
    from django.core.paginator import Paginator

    with tenant_context(world.alpha):
        customer = world.customer(world.alpha, "AL-0001")
        for _ in range(5):
            DeviceFactory(customer=customer)
        user = User.objects.get(email="user1@customer.alpha.example")
        rows = inventory_services.devices_prepared_for(user).narrowed(
            "by-serial-desc", lambda queryset: queryset.order_by("-serial"))
        expected = inventory_services.devices_visible_to(user).order_by("-serial")
        assert rows.count() == expected.count() >= 5
        prepared, plain = Paginator(rows, 2), Paginator(expected, 2)
        assert prepared.num_pages == plain.num_pages
        for number in prepared.page_range:
            assert list(prepared.page(number)) == list(plain.page(number))
        assert rows[3:3] == []
        nobody = PreparedRows("test:nobody", Device,
                              lambda: Device.objects.filter(pk__in=[]))
        assert nobody.count() == 0 and nobody.all() == [] and nobody[0:2] == []


def test_values_with_an_annotation_among_the_fields_keep_each_key_to_its_column(world):
    from django.db.models import F, Value

    with tenant_context(world.alpha):
        customer = world.customer(world.alpha, "AL-0001")
        DeviceFactory(customer=customer)

        def build():
            return Device.objects.annotate(flag=Value(True), upper=F("serial")).order_by(
                "pk").values("pk", "flag", "serial", "customer__site_id", "upper")

        assert PreparedRows("test:values-order", Device, build).all() == list(build())


def test_totals_are_the_aggregate_of_the_queryset_even_of_no_rows(world):
    from django.db.models import Count, Q

    from portal.prepared import totals

    with tenant_context(world.alpha):
        customer = world.customer(world.alpha, "AL-0001")
        for serial in ("TOTAL-001", "TOTAL-002"):
            DeviceFactory(customer=customer, serial=serial)
        query = PreparedQuery(
            "test:totals", lambda customer: totals(
                Device.objects.filter(customer=customer), devices=Count("pk"),
                totalled=Count("pk", filter=Q(serial__startswith="TOTAL-"))),
            {"customer": Device._meta.get_field("customer")})
        expected = Device.objects.filter(customer=customer).aggregate(
            devices=Count("pk"), totalled=Count("pk", filter=Q(serial__startswith="TOTAL-")))
        assert query(customer=customer.pk) == [expected]
        assert expected["totalled"] == 2
        assert query(customer=world.customer(world.alpha, "AL-0002").pk) == [
            {"devices": 0, "totalled": 0}]


def _columns(instance):
    """An instance's column values, without what a prefetch left on it."""
    return {name: value for name, value in instance.__dict__.items()
            if not name.startswith("_")}


def test_the_contract_pages_read_equals_the_querysets_for_whoever_asks(world):
    from contracts.models import Contract
    from contracts.services import (
        record_baseline_version,
        renew_contract,
        visible_contract_with_baselines,
    )
    from tests.factories import ContractFactory

    def shape(contract):
        if contract is None:
            return None
        return (_columns(contract), _columns(contract.customer),
                getattr(getattr(contract, "renewal", None), "pk", None),
                contract.renewal_of and contract.renewal_of.pk,
                [_columns(line) for line in contract.lines.all()],
                [(_columns(version), [_columns(entry) for entry in version.entries.all()])
                 for version in contract.baseline_versions.all()])

    with tenant_context(world.alpha):
        mine, theirs = (world.customer(world.alpha, site_id)
                        for site_id in ("AL-0001", "AL-0002"))
        today = timezone.localdate()
        contract = ContractFactory(
            customer=mine, start=today - timedelta(days=60), end=today + timedelta(days=300),
            lines={"headsets": (10, 1, 24), "video": (4, 0, 310)})
        for number in range(2):
            record_baseline_version(contract, effective_date=today, reason="true-up",
                                    author="tests",
                                    ordered={"headsets": 12 + number, "video": 4})
        renewal = renew_contract(contract)
        other = ContractFactory(customer=theirs, start=today, end=today + timedelta(days=30),
                                lines={"voice": (3, 0, 12)})
        for email in ("admin@alpha.example", "user1@customer.alpha.example"):
            user = User.objects.get(email=email)
            for pk in (contract.pk, renewal.pk, other.pk, other.pk + 1000):
                expected = Contract.objects.visible_to(user).select_related(
                    "customer", "renewal_of", "renewal").prefetch_related(
                    "lines", "baseline_versions__entries").filter(pk=pk).first()
                found = visible_contract_with_baselines(user, pk)
                with CaptureQueriesContext(connection) as queries:
                    found_shape = shape(found)
                assert len(queries) == 0
                assert found_shape == shape(expected)
        admin = User.objects.get(email="admin@alpha.example")
        found = shape(visible_contract_with_baselines(admin, contract.pk))
        assert found[2] == renewal.pk
        assert [version["number"] for version, _entries in found[5]] == [1, 2, 3]
        assert [entry["ordered"] for entry in found[5][2][1]] == [13, 4]
        assert shape(visible_contract_with_baselines(admin, renewal.pk))[3] == contract.pk
        customer_user = User.objects.get(email="user1@customer.alpha.example")
        assert visible_contract_with_baselines(customer_user, other.pk) is None


def test_the_latest_snapshot_equals_the_querysets_on_any_day(world):
    from inventory.models import InventorySnapshot
    from reporting.figures import latest_snapshot
    from tests.reporting.conftest import snapshot

    with tenant_context(world.alpha):
        mine, theirs = (world.customer(world.alpha, site_id)
                        for site_id in ("AL-0001", "AL-0002"))
        today = timezone.localdate()
        snapshot(mine, today - timedelta(days=20), headsets=5, video=1)
        snapshot(mine, today - timedelta(days=10), headsets=7, voice=2)
        snapshot(theirs, today - timedelta(days=15), headsets=50)
        for customer in (mine, theirs):
            for days_ago in (30, 20, 15, 10, 0):
                on_date = today - timedelta(days=days_ago)
                expected = (InventorySnapshot.objects.filter(
                    customer=customer, taken_on__lte=on_date).prefetch_related("counts")
                    .order_by("-taken_on", "-created_at").first())
                found = latest_snapshot(customer, on_date)
                with CaptureQueriesContext(connection) as queries:
                    found_shape = found and (_columns(found), [
                        _columns(count) for count in found.counts.all()])
                assert len(queries) == 0
                assert found_shape == (expected and (_columns(expected), [
                    _columns(count) for count in expected.counts.all()]))
        assert latest_snapshot(mine, today - timedelta(days=30)) is None
        assert [count.covered for count in latest_snapshot(
            mine, today - timedelta(days=15)).counts.all()] == [5, 1]
        assert latest_snapshot(theirs, today).counts.all()[0].covered == 50


def _executions(fragment):
    """How often the connection's prepared statements naming `fragment` have run."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(SUM(generic_plans + custom_plans), 0), COUNT(*) "
                       "FROM pg_prepared_statements WHERE NOT from_sql "
                       "AND statement LIKE %s", [f"%{fragment}%"])
        return tuple(cursor.fetchone())


def test_a_prepared_read_is_prepared_once_on_its_connection_and_run_again(world):
    query = _by_email("test:user-by-email-statement")
    with tenant_context(world.alpha):
        before, _statements = _executions('"users_user"."email" = ($1)')
        for email in ("agent@alpha.example", "admin@alpha.example") * 4:
            assert [user.email for user in query(email=email)] == [email]
        runs, statements = _executions('"users_user"."email" = ($1)')
        assert runs - before == 8 and statements == 1


def test_one_statement_reads_each_partners_own_rows_on_one_connection(world):
    """PostgreSQL parses a prepared statement again when the search path changed: the
    partner's schema is the one of the request, not the one it was prepared in."""
    customers = PreparedRows("test:customers-by-site", Customer,
                             lambda: Customer.objects.order_by("site_id"))
    for tenant, prefix in ((world.alpha, "AL-"), (world.beta, "BE-")) * 2:
        with tenant_context(tenant):
            seen = [customer.site_id for customer in customers.all()]
            assert seen == list(Customer.objects.order_by("site_id").values_list(
                "site_id", flat=True))
            assert f"{prefix}0001" in seen and all(site.startswith(prefix) for site in seen)
    assert _executions('FROM "contracts_customer" ORDER BY')[1] == 1


def test_without_prepared_statements_the_reads_are_the_same(world, monkeypatch):
    """DB_PREPARED_STATEMENTS=0, behind a pooler that cannot keep them."""
    query = _by_email("test:user-by-email-unprepared")
    with tenant_context(world.alpha):
        connection.ensure_connection()
        monkeypatch.setattr(connection.connection, "prepare_threshold", None)
        before = _executions('"users_user"."email" = ($1)')
        with CaptureQueriesContext(connection) as queries:
            assert [user.email for user in query(email="agent@alpha.example")] == [
                "agent@alpha.example"]
        assert "agent@alpha.example" in queries.captured_queries[-1]["sql"]
        assert _executions('"users_user"."email" = ($1)') == before
