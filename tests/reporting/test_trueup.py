"""True-up (SPEC §9): when it is due, and the prorated amounts to the cent."""

from datetime import date
from decimal import Decimal

import pytest
from django.test import override_settings
from hypothesis import given
from hypothesis import strategies as st

from reporting.trueup import (
    months_to_term_end,
    prorated_amount,
    quote_lines,
    true_up_due,
)


@pytest.mark.parametrize("ordered,actual,due", [
    (100, 105, True),       # exactly 5.0% above: due
    (10000, 10499, False),  # 4.99%: not due
    (10000, 10500, True),
    (100, 104, False),
    (100, 100, False),
    (100, 90, False),
    (0, 3, True),           # nothing ordered, devices present
    (0, 0, False),
    (20, 21, True),         # 5% of 20 is exactly one device
    (19, 20, True),         # 5.26%
    (21, 22, False),        # 4.76%
])
def test_when_a_true_up_is_due(ordered, actual, due):
    assert true_up_due(ordered, actual) is due


@override_settings(PROGRAMME={"BASELINE_ALLOWANCE": "0.05", "TRUE_UP_THRESHOLD": "0.10",
                              "HEADSET_RMA_THRESHOLD": "0.05"})
def test_the_threshold_is_a_setting():
    assert not true_up_due(100, 105)
    assert true_up_due(100, 110)


@pytest.mark.parametrize("adjustment,end,months", [
    (date(2026, 11, 1), date(2026, 12, 31), 2),
    (date(2026, 12, 1), date(2026, 12, 31), 1),   # the last month of the term
    (date(2026, 4, 1), date(2027, 12, 31), 21),   # a 24-month term from January 2026
    (date(2026, 11, 1), date(2027, 3, 14), 5),    # a term that started on 15 March
    (date(2028, 1, 1), date(2027, 12, 31), 0),
])
def test_months_from_the_adjustment_month_to_the_end_of_the_term(adjustment, end, months):
    assert months_to_term_end(adjustment, end) == months


def test_proration_to_the_cent():
    # 7 devices × 24.00 ÷ 12 × 2 = 28.00
    assert prorated_amount(7, Decimal("24.00"), 2) == Decimal("28.00")
    # 3 × 310.00 ÷ 12 × 5 = 387.50
    assert prorated_amount(3, Decimal("310.00"), 5) == Decimal("387.50")
    # 1 × 10.00 ÷ 12 × 1 = 0.8333… → 0.83
    assert prorated_amount(1, Decimal("10.00"), 1) == Decimal("0.83")
    # 1 × 0.30 ÷ 12 × 1 = 0.025 → half-up 0.03 (binary floats would give 0.02)
    assert prorated_amount(1, Decimal("0.30"), 1) == Decimal("0.03")
    # 13 × 22.00 ÷ 12 × 21 = 500.50
    assert prorated_amount(13, Decimal("22.00"), 21) == Decimal("500.50")
    # 11 × 295.00 ÷ 12 × 7 = 1892.9166… → 1892.92
    assert prorated_amount(11, Decimal("295.00"), 7) == Decimal("1892.92")


def test_a_quote_lists_the_due_categories_and_the_total():
    lines, total = quote_lines(
        [("headsets", 400, 441, Decimal("24.00")),   # 10.25% above: due, 41 added
         ("video", 18, 18, Decimal("310.00")),       # not due
         ("voice", 0, 2, Decimal("36.00"))],         # nothing ordered: due, 2 added
        adjustment_month=date(2026, 11, 1), term_end=date(2027, 6, 30))
    assert [(line.category, line.added, line.months, line.amount) for line in lines] == [
        ("headsets", 41, 8, Decimal("656.00")),   # 41 × 24 ÷ 12 × 8
        ("voice", 2, 8, Decimal("48.00")),        # 2 × 36 ÷ 12 × 8
    ]
    assert total == Decimal("704.00")


@given(st.integers(min_value=0, max_value=5000), st.integers(min_value=0, max_value=5000))
def test_due_is_the_rule_in_integers(ordered, actual):
    # actual ≥ 1.05 × ordered  ⇔  20 × actual ≥ 21 × ordered (and actual above ordered)
    assert true_up_due(ordered, actual) == (actual > ordered and 20 * actual >= 21 * ordered)
