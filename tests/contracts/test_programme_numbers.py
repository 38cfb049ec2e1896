"""The contract and customer pages show the programme's numbers today (SPEC §5, §9): the
actual count per category with its source and date, the change against ordered, the
distance to the true-up threshold, and how ordered was reached after a true-up."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from contracts.services import record_baseline_version
from reporting.models import TamHours
from reporting.standing import threshold_count
from tests.factories import ContractFactory
from tests.reporting.conftest import snapshot

NNBSP = "\u202f"


def active_contract(customer, **lines):
    today = timezone.localdate()
    return ContractFactory(
        customer=customer, start=today - timedelta(days=60), end=today + timedelta(days=300),
        tam_hours=20, lines={category: (installed, growth, Decimal("24.00"))
                             for category, (installed, growth) in lines.items()})


@pytest.mark.parametrize(("ordered", "threshold"), [
    (100, 105),  # exactly 5 % above ordered is due
    (500, 525),
    (7, 8),      # 7.35 is not a whole device: the 8th one makes it due
    (1, 2),      # above ordered, whatever the rounding
    (0, 1),      # nothing ordered: the first device
])
def test_the_threshold_is_the_first_count_that_makes_a_true_up_due(ordered, threshold):
    from reporting.trueup import true_up_due

    assert threshold_count(ordered) == threshold
    assert true_up_due(ordered, threshold) and not true_up_due(ordered, threshold - 1)


def page(world, persona, contract):
    return world[persona].client().get(f"/contracts/{contract.pk}/").content.decode()


def test_the_page_shows_the_distance_to_the_true_up_threshold(world):
    customer = world.customer(world.alpha, "AL-0001")
    with tenant_context(world.alpha):
        contract = active_contract(customer, headsets=(480, 20))
        taken_on = timezone.localdate() - timedelta(days=3)
        snapshot(customer, taken_on, headsets=513)
    html = page(world, "alpha_admin", contract)
    assert "12 devices (2.4%) below the true-up threshold of 5%" in html
    assert "+13 (+2.6%)" in html  # change vs ordered
    assert "Actual counts from the Poly Lens export of" in html
    assert taken_on.strftime("%d/%m/%Y") in html  # the partner's dates are day first


def test_exactly_at_the_threshold_a_true_up_is_due(world):
    customer = world.customer(world.alpha, "AL-0001")
    with tenant_context(world.alpha):
        contract = active_contract(customer, headsets=(100, 0))
        snapshot(customer, timezone.localdate(), headsets=105)
    html = page(world, "alpha_admin", contract)
    assert "True-up due: 5.0% above ordered (threshold 5%)" in html
    assert "below the true-up threshold" not in html


def test_one_device_short_of_the_threshold(world):
    customer = world.customer(world.alpha, "AL-0001")
    with tenant_context(world.alpha):
        contract = active_contract(customer, headsets=(100, 0))
        snapshot(customer, timezone.localdate(), headsets=104)
    assert "1 device (1.0%) below the true-up threshold of 5%" in page(
        world, "alpha_admin", contract)


def test_a_category_ordered_at_zero_has_no_percentages(world):
    customer = world.customer(world.alpha, "AL-0001")
    with tenant_context(world.alpha):
        contract = active_contract(customer, headsets=(0, 0))
    html = page(world, "alpha_admin", contract)
    assert "1 device below the true-up threshold (none ordered)" in html
    assert "Actual counts from the devices registered on" in html


def test_after_a_true_up_the_page_explains_ordered(world):
    customer = world.customer(world.alpha, "AL-0001")
    with tenant_context(world.alpha):
        contract = active_contract(customer, headsets=(100, 10))
        effective = timezone.localdate() - timedelta(days=10)
        record_baseline_version(contract, effective_date=effective, reason="True-up Q-000001",
                                author="tests", ordered={"headsets": 122})
    html = page(world, "alpha_admin", contract)
    assert "100 installed + 10 growth + 12 from true-ups = 122 ordered" in html
    assert f"version 2 of {effective:%d/%m/%Y}: +12" in html
    assert ">+12<" in html  # the true-ups column


def test_a_baseline_with_decimals_is_shown_rounded_up(world):
    customer = world.customer(world.alpha, "AL-0001")
    with tenant_context(world.alpha):
        contract = active_contract(customer, headsets=(7, 0))
    html = page(world, "alpha_customer1", contract)
    assert 'title="Exact baseline: 7.35">8<' in html
    assert "7.35<" not in html and "7,35" not in html


def test_the_french_portal_writes_french_numbers(world):
    customer = world.customer(world.beta, "BE-0001")
    with tenant_context(world.beta):
        contract = active_contract(customer, headsets=(7, 0))
        snapshot(customer, timezone.localdate(), headsets=7)
    html = world["beta_admin"].client().get(
        f"/contracts/{contract.pk}/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert 'title="Référence exacte\u202f: 7,35">8<' in html
    assert f"(14,3{NNBSP}%)" in html  # 1 device of 7 to the threshold
    assert "24,00\xa0€" in html


def test_the_customer_page_shows_its_active_contract_today(world):
    customer = world.customer(world.alpha, "AL-0001")
    with tenant_context(world.alpha):
        active_contract(customer, headsets=(480, 20))
        snapshot(customer, timezone.localdate(), headsets=513)
    html = world["alpha_customer1"].client().get(f"/customers/{customer.pk}/").content.decode()
    assert "12 devices (2.4%) below the true-up threshold of 5%" in html


def test_tam_hours_show_used_against_bought(world):
    customer = world.customer(world.alpha, "AL-0001")
    with tenant_context(world.alpha):
        contract = active_contract(customer, headsets=(10, 0))
        TamHours.objects.create(contract=contract, worked_on=timezone.localdate(),
                                hours=Decimal("2.5"), description="Firmware plan",
                                engineer_name="Tam Engineer", engineer_email="tam@x.example")
    html = page(world, "alpha_admin", contract)
    assert "2.5 used of 20 bought" in html
    assert "Firmware plan" in html and "Tam Engineer" in html
    with tenant_context(world.alpha):
        TamHours.objects.create(contract=contract, worked_on=timezone.localdate(),
                                hours=Decimal("1.25"), description="Room audit",
                                engineer_name="Tam Engineer", engineer_email="tam@x.example")
    html = page(world, "alpha_admin", contract)
    assert "3.75 used of 20 bought" in html and "Room audit" in html


def test_the_contract_page_queries_do_not_grow_with_categories_versions_or_hours(
        world, query_count_baseline):
    customer = world.customer(world.alpha, "AL-0001")
    client = world["alpha_admin"].client()
    with tenant_context(world.alpha):
        small = active_contract(customer, headsets=(10, 0))
    with query_count_baseline("contract page") as few:
        assert client.get(f"/contracts/{small.pk}/").status_code == 200
    other = world.customer(world.alpha, "AL-0002")
    with tenant_context(world.alpha):
        large = active_contract(other, headsets=(10, 0), video=(5, 1), voice=(20, 2))
        for number in range(3):
            record_baseline_version(large, effective_date=timezone.localdate(), reason="x",
                                    author="tests",
                                    ordered={"headsets": 12 + number, "video": 7,
                                             "voice": 22})
            TamHours.objects.create(contract=large, worked_on=timezone.localdate(),
                                    hours=1, description="x", engineer_name="T",
                                    engineer_email="t@x.example")
        snapshot(other, timezone.localdate(), headsets=12, video=7, voice=25)
    with query_count_baseline("contract page") as many:
        assert client.get(f"/contracts/{large.pk}/").status_code == 200
    assert few.count == many.count


def test_the_customer_page_queries_do_not_grow_with_categories_or_versions(
        world, query_count_baseline):
    client = world["alpha_admin"].client()
    small, large = (world.customer(world.alpha, site_id) for site_id in ("AL-0001", "AL-0002"))
    with tenant_context(world.alpha):
        active_contract(small, headsets=(10, 0))
        contract = active_contract(large, headsets=(10, 0), video=(5, 1), voice=(20, 2))
        for number in range(3):
            record_baseline_version(contract, effective_date=timezone.localdate(), reason="x",
                                    author="tests", ordered={"headsets": 12 + number,
                                                             "video": 7, "voice": 22})
    with query_count_baseline("customer page") as few:
        assert client.get(f"/customers/{small.pk}/").status_code == 200
    with query_count_baseline("customer page") as many:
        assert client.get(f"/customers/{large.pk}/").status_code == 200
    assert few.count == many.count
