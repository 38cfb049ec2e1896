from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django_tenants.utils import tenant_context
from hypothesis import given
from hypothesis import strategies as st

from contracts.models import BaselineVersion, Contract
from contracts.services import (
    activate_contract,
    baseline_for,
    current_baseline,
    expire_contracts,
    record_baseline_version,
    renew_contract,
)
from inventory.models import Device
from portal.catalogue.models import ProductModel
from portal.programme import whole_devices
from tests.factories import ContractFactory


@given(st.integers(min_value=0, max_value=10_000_000))
def test_baseline_is_exact_and_shown_rounded_up(ordered):
    baseline = baseline_for(ordered)
    assert baseline == Decimal(ordered) * Decimal("1.05")
    shown = whole_devices(baseline)
    assert shown >= baseline > shown - 1
    assert (shown == baseline) == (ordered % 20 == 0)


@pytest.mark.parametrize("ordered,exact,shown", [
    (0, Decimal("0"), 0), (1, Decimal("1.05"), 2), (20, Decimal("21"), 21),
    (100, Decimal("105"), 105), (101, Decimal("106.05"), 107),
])
def test_baseline_examples(ordered, exact, shown):
    assert baseline_for(ordered) == exact
    assert whole_devices(baseline_for(ordered)) == shown


def test_the_allowance_is_a_setting(settings):
    settings.PROGRAMME = {**settings.PROGRAMME, "BASELINE_ALLOWANCE": "0.10"}
    assert baseline_for(10) == Decimal("11.0")


@pytest.fixture
def alpha(world):
    with tenant_context(world.alpha):
        yield world


def product(sku, category, **extra):
    return ProductModel.objects.create(sku=sku, name=sku, family="F", category=category,
                                       list_price=Decimal("10.00"), **extra)


def draft(customer, lines, start=date(2026, 1, 1), end=date(2026, 12, 31)):
    return ContractFactory(customer=customer, start=start, end=end,
                           status=Contract.Status.DRAFT,
                           lines={category: (installed, growth, Decimal("25.00"))
                                  for category, installed, growth in lines})


def devices(customer, model, count, prefix):
    Device.objects.bulk_create([Device(serial=f"{prefix}{i:05d}", product_model=model,
                                       customer=customer) for i in range(count)])


def test_activation_refuses_fewer_ordered_than_eligible_devices(alpha):
    customer = alpha.customer(alpha.alpha, "AL-0001")
    headset = product("H-1", "headsets")
    devices(customer, headset, 12, "H")
    contract = draft(customer, [("headsets", 8, 2)])
    with pytest.raises(ValidationError) as error:
        activate_contract(contract, author="admin@alpha.example")
    message = " ".join(error.value.messages)
    assert "Headsets" in message and "10 ordered" in message and "order 2 more" in message
    contract.refresh_from_db()
    assert contract.status == Contract.Status.DRAFT
    assert not contract.baseline_versions.exists()


def test_exactly_the_eligible_base_is_enough(alpha):
    customer = alpha.customer(alpha.alpha, "AL-0001")
    devices(customer, product("H-1", "headsets"), 10, "H")
    contract = draft(customer, [("headsets", 8, 2)])
    activate_contract(contract, author="admin@alpha.example")
    assert Contract.objects.get(pk=contract.pk).status == Contract.Status.ACTIVE


def test_uncovered_devices_do_not_count_towards_the_rule(alpha):
    customer = alpha.customer(alpha.alpha, "AL-0001")
    devices(customer, product("ITP", "video", quote_only_line="itp"), 5, "I")
    devices(customer, product("OLD", "video", end_of_life=date(2025, 12, 31)), 5, "O")
    devices(customer, product("NEW", "video"), 3, "N")
    contract = draft(customer, [("video", 3, 0)])
    activate_contract(contract, author="x")  # 3 eligible: the ITP and end-of-life ones don't count


def test_ordered_zero_is_legal_when_nothing_is_installed(alpha):
    customer = alpha.customer(alpha.alpha, "AL-0002")
    contract = draft(customer, [("voice", 0, 0)])
    activate_contract(contract, author="x")
    entries = current_baseline(contract)
    assert entries["voice"].ordered == 0 and entries["voice"].baseline == 0


def test_overlapping_active_contracts_are_refused(alpha):
    customer = alpha.customer(alpha.alpha, "AL-0002")
    activate_contract(draft(customer, [("voice", 1, 0)]), author="x")
    overlapping = draft(customer, [("voice", 1, 0)], start=date(2026, 12, 31),
                        end=date(2027, 12, 30))
    with pytest.raises(ValidationError, match="already has an active contract"):
        activate_contract(overlapping, author="x")
    following = draft(customer, [("voice", 1, 0)], start=date(2027, 1, 1),
                      end=date(2027, 12, 31))
    activate_contract(following, author="x")


def test_baseline_versions_are_added_never_overwritten(alpha):
    customer = alpha.customer(alpha.alpha, "AL-0002")
    contract = draft(customer, [("headsets", 100, 0), ("voice", 10, 0)])
    activate_contract(contract, author="admin@alpha.example")
    record_baseline_version(contract, effective_date=date(2026, 6, 1), reason="True-up",
                            author="csm@vendor.example", ordered={"headsets": 120, "voice": 10})
    versions = list(BaselineVersion.objects.filter(contract=contract).order_by("number"))
    assert [v.number for v in versions] == [1, 2]
    first = {e.category: e for e in versions[0].entries.all()}
    assert first["headsets"].ordered == 100 and first["headsets"].baseline == Decimal("105")
    assert current_baseline(contract)["headsets"].baseline == Decimal("126")


def test_renewal_carries_the_adjusted_counts(alpha):
    customer = alpha.customer(alpha.alpha, "AL-0002")
    contract = draft(customer, [("headsets", 100, 5)])
    activate_contract(contract, author="x")
    record_baseline_version(contract, effective_date=date(2026, 6, 1), reason="True-up",
                            author="x", ordered={"headsets": 130})
    renewal = renew_contract(contract)
    assert renewal.start == date(2027, 1, 1) and renewal.end == date(2027, 12, 31)
    line = renewal.lines.get()
    assert (line.installed, line.growth, line.annual_price) == (130, 0, Decimal("25.00"))
    assert renewal.status == Contract.Status.DRAFT and renewal.renewal_of == contract
    with pytest.raises(ValidationError):
        renew_contract(contract)


def test_contracts_expire_after_their_last_day(alpha):
    customer = alpha.customer(alpha.alpha, "AL-0002")
    contract = draft(customer, [("voice", 0, 0)])
    activate_contract(contract, author="x")
    assert expire_contracts(today=date(2026, 12, 31)) == 0
    assert expire_contracts(today=date(2027, 1, 1)) == 1
    assert Contract.objects.get(pk=contract.pk).status == Contract.Status.EXPIRED


def test_a_contract_must_end_after_it_starts(alpha):
    from django.db import IntegrityError

    customer = alpha.customer(alpha.alpha, "AL-0002")
    with pytest.raises(IntegrityError):
        # Direct: the database's own check, which the services' validation would pre-empt.
        Contract.objects.create(customer=customer, start=date(2026, 1, 1),
                                end=date(2026, 1, 1))


def test_the_daily_task_expires_ended_contracts_in_every_partner(world, monkeypatch):
    from django.utils import timezone

    from contracts.tasks import expire_ended_contracts

    with tenant_context(world.alpha):
        alpha_contract = draft(world.customer(world.alpha, "AL-0002"), [("voice", 0, 0)])
        activate_contract(alpha_contract, author="x")
    with tenant_context(world.beta):
        beta_contract = draft(world.customer(world.beta, "BE-0001"), [("voice", 0, 0)])
        activate_contract(beta_contract, author="x")
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: date(2027, 1, 1))
    assert expire_ended_contracts.delay().get() == 2
    with tenant_context(world.beta):
        assert Contract.objects.get(pk=beta_contract.pk).status == Contract.Status.EXPIRED


def test_the_baseline_in_force_is_the_latest_effective_by_then_or_else_the_first(world):
    from contracts.services import record_baseline_version
    from tickets.rma.services import contracted_headsets

    with tenant_context(world.alpha):
        customer = world.customer(world.alpha, "AL-0002")
        contract = ContractFactory(customer=customer, start=date(2028, 1, 1),
                                   end=date(2028, 12, 31),
                                   lines={"headsets": (100, 0, Decimal("20.00"))})
        record_baseline_version(contract, effective_date=date(2028, 6, 1), reason="true-up",
                                author="tests", ordered={"headsets": 120})
        record_baseline_version(contract, effective_date=date(2028, 9, 1), reason="true-up",
                                author="tests", ordered={"video": 3})
        numbers = {day: contract.baseline_version_on(day).number
                   for day in (date(2027, 12, 31), date(2028, 1, 1), date(2028, 5, 31),
                               date(2028, 6, 1), date(2028, 8, 31), date(2028, 9, 1))}
        assert numbers == {date(2027, 12, 31): 1, date(2028, 1, 1): 1, date(2028, 5, 31): 1,
                           date(2028, 6, 1): 2, date(2028, 8, 31): 2, date(2028, 9, 1): 3}
        # The headsets of the version in force, in one statement; none in version 3, and no
        # contract in force outside its term.
        assert [contracted_headsets(customer, day) for day in (
            date(2027, 12, 31), date(2028, 1, 1), date(2028, 5, 31), date(2028, 6, 1),
            date(2028, 9, 1), date(2029, 1, 1))] == [0, 100, 100, 120, 0, 0]
