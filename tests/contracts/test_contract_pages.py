from datetime import date
from decimal import Decimal

from django_tenants.utils import tenant_context

from contracts.models import Contract
from tests.factories import ContractFactory, DeviceFactory


def contract_form(customer, **overrides):
    data = {
        "customer": customer.pk, "start": "2026-01-01", "end": "2026-12-31",
        "currency": "EUR", "csm_blocks_per_month": "2", "tam_hours": "10",
        "professional_services_discount": "12.5",
        "headsets_covered": "on", "headsets_installed": "100", "headsets_growth": "10",
        "headsets_annual_price": "24.00",
        "video_covered": "on", "video_installed": "8", "video_growth": "0",
        "video_annual_price": "310.00",
    }
    data.update(overrides)
    return data


def test_partner_admin_creates_activates_and_sees_the_baselines(world):
    customer = world.customer(world.alpha, "AL-0001")
    client = world["alpha_admin"].client()
    response = client.post("/contracts/new/", contract_form(customer))
    assert response.status_code == 302, response.context["form"].errors
    with tenant_context(world.alpha):
        contract = Contract.objects.get(customer=customer)
        assert {line.category: line.ordered for line in contract.lines.all()} == {
            "headsets": 110, "video": 8}
    response = client.post(f"/contracts/{contract.pk}/activate/")
    assert response.status_code == 302
    page = client.get(f"/contracts/{contract.pk}/").content.decode()
    assert "Active" in page
    assert 'title="Exact baseline: 115.5">116<' in page  # exact kept, shown rounded up
    assert "Version 1" in page and "Initial baseline" in page


def test_a_contract_needs_a_covered_category(world):
    customer = world.customer(world.alpha, "AL-0001")
    response = world["alpha_admin"].client().post("/contracts/new/", contract_form(
        customer, headsets_covered="", video_covered=""))
    assert response.status_code == 200
    assert "at least one covered category" in str(response.context["form"].non_field_errors())


def test_a_covered_category_needs_its_counts(world):
    customer = world.customer(world.alpha, "AL-0001")
    response = world["alpha_admin"].client().post("/contracts/new/", contract_form(
        customer, voice_covered="on"))
    assert "voice_installed" in response.context["form"].errors


def test_a_customer_of_another_partner_cannot_be_chosen(world):
    from contracts.models import Customer

    with tenant_context(world.beta):
        beta_customers = [Customer.objects.create(name=f"B{i}", site_id=f"BE-8{i}")
                          for i in range(3)]
    with tenant_context(world.alpha):
        alpha_ids = set(Customer.objects.values_list("pk", flat=True))
    foreign = next(c for c in beta_customers if c.pk not in alpha_ids)
    response = world["alpha_admin"].client().post("/contracts/new/", contract_form(foreign))
    assert "customer" in response.context["form"].errors
    with tenant_context(world.alpha):
        assert not Contract.objects.exists()


def make_contract(world, tenant, site_id):
    with tenant_context(tenant):
        customer = world.customer(tenant, site_id)
        return ContractFactory(customer=customer, start=date(2026, 1, 1),
                               end=date(2026, 12, 31), status=Contract.Status.DRAFT,
                               lines={"voice": (3, 0, Decimal("40.00"))})


def test_contract_pages_are_404_for_other_customers_and_partners(world):
    own = make_contract(world, world.alpha, "AL-0001")
    other_customer = make_contract(world, world.alpha, "AL-0002")
    assert world["alpha_customer1"].client().get(f"/contracts/{own.pk}/").status_code == 200
    for path in (f"/contracts/{other_customer.pk}/", f"/contracts/{other_customer.pk}/edit/"):
        assert world["alpha_customer1"].client().get(path).status_code == 404
    listed = world["alpha_customer1"].client().get("/contracts/").context["contracts"]
    assert [c.pk for c in listed] == [own.pk]
    beta = make_contract(world, world.beta, "BE-0001")
    with tenant_context(world.alpha):
        alpha_pks = set(Contract.objects.values_list("pk", flat=True))
    if beta.pk not in alpha_pks:
        assert world["alpha_admin"].client().get(f"/contracts/{beta.pk}/").status_code == 404


def test_only_partner_admins_change_contracts(world):
    contract = make_contract(world, world.alpha, "AL-0001")
    for persona in ("alpha_agent", "alpha_customer1"):
        client = world[persona].client()
        assert client.post(f"/contracts/{contract.pk}/activate/").status_code == 404
        assert client.get(f"/contracts/{contract.pk}/edit/").status_code == 404
    with tenant_context(world.alpha):
        assert Contract.objects.get(pk=contract.pk).status == Contract.Status.DRAFT


def test_an_activation_refusal_is_shown_to_the_admin(world):
    from portal.catalogue.models import ProductModel

    contract = make_contract(world, world.alpha, "AL-0001")
    phone = ProductModel.objects.create(sku="CCX-T", name="CCX T", family="CCX",
                                        category="voice", list_price=Decimal("1.00"))
    with tenant_context(world.alpha):
        for i in range(5):
            DeviceFactory(serial=f"CCX{i:05d}", product_model=phone,
                          customer=contract.customer)
    client = world["alpha_admin"].client()
    response = client.post(f"/contracts/{contract.pk}/activate/", follow=True)
    assert "order 2 more" in response.content.decode()


def test_renewal_from_the_page(world):
    contract = make_contract(world, world.alpha, "AL-0002")
    client = world["alpha_admin"].client()
    client.post(f"/contracts/{contract.pk}/activate/")
    response = client.post(f"/contracts/{contract.pk}/renew/")
    assert response.status_code == 302
    with tenant_context(world.alpha):
        renewal = Contract.objects.get(renewal_of=contract)
    assert response["Location"] == f"/contracts/{renewal.pk}/"
    # Each page links to the other; the renewed one no longer offers a renewal.
    renewed = client.get(f"/contracts/{contract.pk}/").content.decode()
    assert "Renewed by" in renewed and f'href="/contracts/{renewal.pk}/"' in renewed
    assert "Prepare renewal" not in renewed
    page = client.get(f"/contracts/{renewal.pk}/").content.decode()
    assert "Renews" in page and f'href="/contracts/{contract.pk}/"' in page
    assert "Renewed by" not in page


def test_contract_csv_export(world):
    make_contract(world, world.alpha, "AL-0001")
    response = world["alpha_agent"].client().get("/contracts/", {"format": "csv"})
    lines = response.content.decode().splitlines()
    assert lines[0].startswith("site_id,customer,start,end,status")
    assert lines[1].startswith("AL-0001,Alpha Customer One,2026-01-01,2026-12-31,draft")


def test_contract_list_queries_do_not_grow_with_rows(world, query_count_baseline):
    client = world["alpha_agent"].client()
    make_contract(world, world.alpha, "AL-0001")

    def count():
        with query_count_baseline("contract list") as queries:
            client.get("/contracts/")
        return queries.count

    before = count()
    for _ in range(10):
        make_contract(world, world.alpha, "AL-0002")
    assert count() == before
