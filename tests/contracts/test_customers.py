import pytest
from django_tenants.utils import tenant_context

from contracts.models import Customer


def customer_form(**overrides):
    data = {"name": "Delta Clinics", "site_id": "AL-0099", "address": "1 Quai de la Gare",
            "postal_code": "75013", "city": "Paris", "country": "FR",
            "time_zone": "Europe/Paris", "language": "fr"}
    data.update(overrides)
    return data


@pytest.mark.parametrize("site_id", ["AB", "al 0099", "-AL-0099", "AL-0099-", "AL_0099",
                                     "A" * 41])
def test_malformed_site_ids_are_refused(world, site_id):
    response = world["alpha_agent"].client().post("/customers/new/",
                                                  customer_form(site_id=site_id))
    assert response.status_code == 200
    assert "site_id" in response.context["form"].errors


def test_an_unknown_time_zone_is_refused(world):
    response = world["alpha_agent"].client().post("/customers/new/",
                                                  customer_form(time_zone="Mars/Olympus"))
    assert "time_zone" in response.context["form"].errors


def test_a_customer_user_sees_their_own_customer(world):
    own = world.customer(world.alpha, "AL-0001")
    response = world["alpha_customer1"].client().get(f"/customers/{own.pk}/")
    assert response.status_code == 200
    assert b"Alpha Customer One" in response.content


def test_a_customer_user_cannot_open_another_customers_page(world):
    other = world.customer(world.alpha, "AL-0002")
    client = world["alpha_customer1"].client()
    for path in (f"/customers/{other.pk}/", f"/customers/{other.pk}/edit/", "/customers/"):
        assert client.get(path).status_code == 404, path


def test_a_customer_of_another_partner_is_404_even_with_a_valid_number(world):
    with tenant_context(world.beta):
        beta_customers = [Customer.objects.create(name=f"Beta Extra {i}", site_id=f"BE-9{i}")
                          for i in range(3)]
    with tenant_context(world.alpha):
        alpha_pks = set(Customer.objects.values_list("pk", flat=True))
    foreign = next(c for c in beta_customers if c.pk not in alpha_pks)
    client = world["alpha_agent"].client()
    response = client.get(f"/customers/{foreign.pk}/")
    assert response.status_code == 404
    assert foreign.name.encode() not in response.content


def test_partner_staff_search_customers_by_site_id(world):
    response = world["alpha_agent"].client().get("/customers/", {"q": "al-0002"})
    assert [c.site_id for c in response.context["customers"]] == ["AL-0002"]


def test_partner_staff_create_a_customer(world):
    client = world["alpha_agent"].client()
    response = client.post("/customers/new/", customer_form(name="Delta Clinics",
                                                            site_id="al-0099"))
    assert response.status_code == 302
    with tenant_context(world.alpha):
        assert Customer.objects.get(site_id="AL-0099").name == "Delta Clinics"
    with tenant_context(world.beta):
        assert not Customer.objects.filter(site_id="AL-0099").exists()


def test_a_duplicate_site_id_is_refused(world):
    response = world["alpha_agent"].client().post(
        "/customers/new/", customer_form(site_id="AL-0001"))
    assert response.status_code == 200
    assert "site_id" in response.context["form"].errors


def test_customer_list_queries_do_not_grow_with_rows(world, query_count_baseline):
    client = world["alpha_agent"].client()
    client.get("/customers/")

    def count():
        with query_count_baseline("customer list") as queries:
            response = client.get("/customers/")
        return queries.count, response

    before, _ = count()
    with tenant_context(world.alpha):
        Customer.objects.bulk_create(
            [Customer(name=f"Bulk {i}", site_id=f"BULK-{i:04d}") for i in range(40)])
    after, response = count()
    assert after == before
    assert len(response.context["customers"]) == 42


def test_partner_admins_see_who_changed_what(world):
    client = world["alpha_admin"].client()
    customer = world.customer(world.alpha, "AL-0001")
    client.post(f"/customers/{customer.pk}/edit/", customer_form(
        name="Alpha Customer One", site_id="AL-0001", city="Lyon"))
    response = client.get(f"/customers/{customer.pk}/")
    history = response.context["history"]
    assert history[0].who == "admin@alpha.example"
    assert ("city", "", "Lyon") in [(str(label), old, new) for label, old, new
                                   in history[0].changes]
    assert "Lyon" in response.content.decode()


def test_agents_and_customer_users_do_not_see_the_history(world):
    customer = world.customer(world.alpha, "AL-0001")
    for persona in ("alpha_agent", "alpha_customer1"):
        response = world[persona].client().get(f"/customers/{customer.pk}/")
        assert response.context["history"] is None


def test_customer_list_filters_by_country_and_exports_csv(world):
    with tenant_context(world.alpha):
        Customer.objects.filter(site_id="AL-0002").update(country="DE", city="Köln")
    client = world["alpha_agent"].client()
    response = client.get("/customers/", {"country": "DE"})
    assert [c.site_id for c in response.context["customers"]] == ["AL-0002"]
    response = client.get("/customers/", {"q": "köln", "format": "csv"})
    lines = response.content.decode().splitlines()
    assert lines[0] == "site_id,name,address,postal_code,city,country,time_zone,language"
    assert len(lines) == 2 and lines[1].startswith("AL-0002,Alpha Customer Two,")


def test_a_customers_history_keeps_a_contract_moved_to_another_customer(world):
    from datetime import date
    from decimal import Decimal

    from contracts.audit import contract_history
    from tests.factories import ContractFactory

    first, second = (world.customer(world.alpha, "AL-0001"),
                     world.customer(world.alpha, "AL-0002"))
    with tenant_context(world.alpha):
        moved = ContractFactory(customer=first, start=date(2026, 1, 1), end=date(2026, 12, 31),
                                lines={"video": (4, 0, Decimal("100.00"))})
        kept = ContractFactory(customer=second, start=date(2025, 1, 1),
                               end=date(2025, 12, 31),
                               lines={"video": (2, 0, Decimal("100.00"))})
        moved.customer = second
        moved.save()

        def contracts_in_history(customer):
            entries, contract_ids = contract_history(customer)
            return set(contract_ids), sum(entry.subject.startswith("Contract 2026")
                                          for entry in entries)

        # Each of its records, before and after the move, in both customers' histories.
        records = moved.history.count()
        assert records >= 2
        assert contracts_in_history(first) == ({moved.pk}, records)
        assert contracts_in_history(second) == ({moved.pk, kept.pk}, records)
