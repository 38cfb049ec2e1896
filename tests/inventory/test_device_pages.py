from datetime import date

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from inventory.coverage import active_contracts_by_customer, covered_q, device_coverage
from inventory.models import Device


def add_devices(world, site_id, model, count, prefix, **extra):
    with tenant_context(world.alpha):
        customer = world.customer(world.alpha, site_id)
        Device.objects.bulk_create([
            Device(serial=f"{prefix}{i:06d}", product_model=model, customer=customer,
                   firmware_version=extra.get("firmware", "2.0"))
            for i in range(count)])


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: date(2026, 6, 1))


def test_customer_user_registers_a_product_and_sees_it_covered(world, catalogue,
                                                               alpha_contract):
    client = world["alpha_customer1"].client()
    response = client.post("/devices/register/", {"serial": "HS900001", "model": "HS-1",
                                                  "site": "Paris HQ", "room": "4.12"})
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert page.context["coverage"].covered
    assert b"Covered" in page.content


def test_registration_errors_are_shown_on_the_form(world, catalogue):
    response = world["alpha_customer1"].client().post(
        "/devices/register/", {"serial": "ITP000001", "model": "ITP-1"})
    assert response.status_code == 200
    assert "needs a custom quote" in str(response.context["form"].errors["model"])


def test_a_customer_user_registers_only_for_their_own_customer(world, catalogue):
    other = world.customer(world.alpha, "AL-0002")
    client = world["alpha_customer1"].client()
    client.post("/devices/register/", {"customer": other.pk, "serial": "HS900002",
                                       "model": "HS-1"})
    with tenant_context(world.alpha):
        device = Device.objects.get(serial="HS900002")
        assert device.customer.site_id == "AL-0001"


def test_staff_choose_the_customer(world, catalogue):
    other = world.customer(world.alpha, "AL-0002")
    response = world["alpha_agent"].client().post("/devices/register/", {
        "customer": other.pk, "serial": "HS900003", "model": "HS-1"})
    assert response.status_code == 302
    with tenant_context(world.alpha):
        assert Device.objects.get(serial="HS900003").customer_id == other.pk


def test_device_pages_of_other_customers_and_partners_are_404(world, catalogue):
    add_devices(world, "AL-0002", catalogue["headset"], 1, "OTHER")
    with tenant_context(world.alpha):
        device = Device.objects.get(serial="OTHER000000")
    assert world["alpha_customer1"].client().get(f"/devices/{device.pk}/").status_code == 404
    assert world["alpha_agent"].client().get(f"/devices/{device.pk}/").status_code == 200
    listed = world["alpha_customer1"].client().get("/devices/").context["rows"]
    assert listed == []
    with tenant_context(world.beta):
        beta_ids = set(Device.objects.values_list("pk", flat=True))
    if device.pk not in beta_ids:
        assert world["beta_agent"].client().get(f"/devices/{device.pk}/").status_code == 404


def test_filters(world, catalogue, alpha_contract):
    add_devices(world, "AL-0001", catalogue["headset"], 3, "HS")
    add_devices(world, "AL-0001", catalogue["phone"], 2, "PH")  # voice: not in the contract
    add_devices(world, "AL-0001", catalogue["itp"], 1, "ITP")
    add_devices(world, "AL-0001", catalogue["eol"], 1, "EOL", firmware="1.0")
    client = world["alpha_agent"].client()

    def serials(**params):
        rows = client.get("/devices/", params).context["rows"]
        return {device.serial[:3] for device, _ in rows}

    assert serials(coverage="covered") == {"HS0"}
    assert serials(coverage="uncovered") == {"PH0", "ITP", "EOL"}
    assert serials(category="voice") == {"PH0"}
    assert serials(outdated="on") == {"EOL"}
    assert serials(end_of_life="on") == {"EOL"}
    assert serials(q="itp") == {"ITP"}


def test_csv_export_lists_coverage_and_why_not(world, catalogue, alpha_contract):
    add_devices(world, "AL-0001", catalogue["phone"], 1, "PH")
    response = world["alpha_agent"].client().get("/devices/", {"format": "csv"})
    lines = response.content.decode().splitlines()
    assert lines[0].startswith("serial,sku,model,category,site_id")
    assert "no" in lines[1] and "category is not covered" in lines[1]


def test_device_list_queries_are_constant_from_10_to_1000_devices(world, catalogue,
                                                                   alpha_contract,
                                                                   query_count_baseline):
    client = world["alpha_agent"].client()
    add_devices(world, "AL-0001", catalogue["headset"], 10, "A")

    def count():
        with query_count_baseline("device list") as queries:
            assert client.get("/devices/").status_code == 200
        return queries.count

    small = count()
    add_devices(world, "AL-0001", catalogue["video"], 990, "B")
    assert count() == small


def test_the_database_filter_agrees_with_the_rule(world):
    """Every combination of category, line, end dates around today and contract state."""
    import itertools
    from datetime import timedelta
    from decimal import Decimal

    from contracts.models import Contract
    from portal.catalogue.models import ProductModel
    from tests.factories import ContractFactory

    today = date(2026, 6, 1)
    with tenant_context(world.alpha):
        customer = world.customer(world.alpha, "AL-0002")
        contracts = {}
        for state in ("active", "draft", "ended"):
            contract = ContractFactory(
                customer=world.customer(world.alpha, "AL-0001") if state != "active"
                else customer,
                start=date(2026, 1, 1) if state != "ended" else date(2025, 1, 1),
                end=date(2026, 12, 31) if state != "ended" else date(2026, 5, 31),
                status=Contract.Status.DRAFT if state == "draft" else Contract.Status.ACTIVE,
                lines={"video": (1, 0, Decimal("1"))})
            contracts[state] = contract
        owners = {"active": customer, "draft": world.customer(world.alpha, "AL-0001")}
        combos = itertools.product(["video", "voice"], ["", "itp"], [None, -1, 0],
                                   [None, -1, 0], ["active", "draft"], Device.Status.values)
        expected, devices = {}, []
        for n, (category, line, eol, eos, state, status) in enumerate(combos):
            product = ProductModel.objects.create(
                sku=f"AGREE-{n}", name="P", family="F", category=category,
                quote_only_line=line, list_price=Decimal("1"),
                end_of_life=today + timedelta(days=eol) if eol is not None else None,
                end_of_service=today + timedelta(days=eos) if eos is not None else None)
            devices.append(Device(serial=f"AGREE{n:05d}", product_model=product,
                                  customer=owners[state], status=status))
        Device.objects.bulk_create(devices)
        devices = list(Device.objects.filter(serial__startswith="AGREE")
                       .select_related("product_model"))
        active = active_contracts_by_customer({d.customer_id for d in devices}, today)
        for device in devices:
            expected[device.pk] = device_coverage(device, today,
                                                  active.get(device.customer_id)).covered
        by_filter = set(Device.objects.filter(covered_q(today), serial__startswith="AGREE")
                        .values_list("pk", flat=True))
        # A customer's own count (its dashboard) reads its covered categories once.
        by_customer = {owner.pk: set(Device.objects.filter(
            covered_q(today, owner), customer=owner, serial__startswith="AGREE")
            .values_list("pk", flat=True)) for owner in owners.values()}
    assert {pk for pk, covered in expected.items() if covered} == by_filter
    assert 0 < len(by_filter) < len(expected)
    assert by_customer == {owner.pk: {device.pk for device in devices
                                      if device.customer_id == owner.pk and expected[device.pk]}
                           for owner in owners.values()}


def replaced_headset(world, catalogue):
    """HS000001 of AL-0001 replaced through an RMA by HS000002, with a ticket on it."""
    from tickets import services as ticket_services
    from tickets.rma import services as rma_services

    add_devices(world, "AL-0001", catalogue["headset"], 1, "HS")
    agent, engineer = world["alpha_agent"].user, world["support_engineer"].user
    with tenant_context(world.alpha):
        customer = world.customer(world.alpha, "AL-0001")
        old = Device.objects.get(serial="HS000000")
        ticket = ticket_services.open_ticket(
            user=agent, customer=customer, subject="Crackling audio", description="Both ears",
            category="hardware", priority="P3", device=old)
        rma = rma_services.request_rma(user=agent, customer=customer, serial=old.serial,
                                       fault="Crackling audio", ticket=ticket)
        rma_services.advance(rma, "approved", user=engineer)
        rma_services.advance(rma, "shipped", user=engineer, carrier="DHL",
                             tracking_number="1Z", replacement_serial="HS000009")
        old.refresh_from_db()
        return old, Device.objects.get(serial="HS000009"), ticket, rma


def test_a_replaced_device_is_not_covered_and_both_devices_link_to_each_other(
        world, catalogue, alpha_contract):
    old, new, ticket, rma = replaced_headset(world, catalogue)
    assert old.status == Device.Status.REPLACED
    client = world["alpha_customer1"].client()

    page = client.get(f"/devices/{old.pk}/")
    assert not page.context["coverage"].covered
    text = page.content.decode()
    assert "The device has been replaced." in text and "Not covered" in text
    assert "Request a replacement" not in text
    assert f'href="/devices/{new.pk}/">HS000009</a>' in text  # replaced by
    assert f'href="/tickets/{ticket.pk}/">{ticket.reference}</a>' in text
    assert f'href="/rma/{rma.pk}/">{rma.reference}</a>' in text

    page = client.get(f"/devices/{new.pk}/")
    assert page.context["coverage"].covered
    assert page.context["replaces"] == rma
    assert f'href="/devices/{old.pk}/">{old.serial}</a>' in page.content.decode()
    # The list's coverage filter says the same.
    rows = client.get("/devices/", {"coverage": "covered"}).context["rows"]
    assert [device.serial for device, _ in rows] == ["HS000009"]


def test_a_retired_device_is_not_covered(world, catalogue, alpha_contract):
    add_devices(world, "AL-0001", catalogue["headset"], 1, "RET")
    with tenant_context(world.alpha):
        Device.objects.filter(serial="RET000000").update(status=Device.Status.RETIRED)
        device = Device.objects.get(serial="RET000000")
    page = world["alpha_agent"].client().get(f"/devices/{device.pk}/")
    assert page.context["coverage"].reasons == ("device_retired",)
    assert "The device is retired." in page.content.decode()


@pytest.mark.parametrize(("end_of_life", "until", "why"), [
    (None, date(2026, 12, 31), "contract"),
    (date(2026, 9, 30), date(2026, 9, 30), "end_of_life"),
    (date(2027, 3, 31), date(2026, 12, 31), "contract"),
])
def test_a_covered_device_says_until_when(world, catalogue, alpha_contract, end_of_life,
                                          until, why):
    from portal.catalogue.models import ProductModel

    with tenant_context(world.alpha):
        ProductModel.objects.filter(pk=catalogue["headset"].pk).update(end_of_life=end_of_life)
    add_devices(world, "AL-0001", catalogue["headset"], 1, "UNT")
    with tenant_context(world.alpha):
        device = Device.objects.get(serial="UNT000000")
    page = world["alpha_agent"].client().get(f"/devices/{device.pk}/")
    assert (page.context["covered_until"].on, page.context["covered_until"].why) == (until, why)


def test_the_device_page_shows_only_the_latest_tickets_in_constant_queries(
        world, catalogue, alpha_contract, query_count_baseline):
    from tickets import services as ticket_services

    add_devices(world, "AL-0001", catalogue["headset"], 1, "QC")
    agent = world["alpha_agent"].user
    with tenant_context(world.alpha):
        device = Device.objects.get(serial="QC000000")
        customer = device.customer

    def open_tickets(count):
        with tenant_context(world.alpha):
            for number in range(count):
                ticket_services.open_ticket(user=agent, customer=customer,
                                            subject=f"Issue {number}", description="-",
                                            category="hardware", priority="P4", device=device)

    client = world["alpha_agent"].client()

    def shown():
        with query_count_baseline("device page") as queries:
            page = client.get(f"/devices/{device.pk}/")
        return len(page.context["tickets"]), queries.count

    open_tickets(1)
    one, few_queries = shown()
    open_tickets(14)
    many, many_queries = shown()
    assert (one, many) == (1, 10)
    assert few_queries == many_queries
