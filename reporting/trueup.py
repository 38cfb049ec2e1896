"""True-up arithmetic (SPEC §9), as plain functions of numbers and dates.

A category is due for a true-up when its actual count is the threshold (5%) or more above
the ordered quantity. The quote charges, per category, the added devices at the annual unit
price, prorated by month from the first day of the adjustment month to the end of the term,
the adjustment month counted: added × annual price ÷ 12 × months, exact, rounded half-up
to the cent.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from portal.programme import rule

CENT = Decimal("0.01")


def true_up_due(ordered: int, actual: int) -> bool:
    """Actual is at least ordered × (1 + threshold), and above ordered (so 0 of 0 is not)."""
    return actual > ordered and Decimal(actual) >= Decimal(ordered) * (
        1 + rule("TRUE_UP_THRESHOLD"))


def change_ratio(ordered: int, actual: int) -> Decimal | None:
    """(actual − ordered) ÷ ordered, or None when nothing was ordered."""
    if not ordered:
        return None
    return (Decimal(actual) - ordered) / Decimal(ordered)


def first_of_month(day: date) -> date:
    return date(day.year, day.month, 1)


def months_to_term_end(adjustment_month: date, term_end: date) -> int:
    """Calendar months from the adjustment month to the month of the term's last day, both
    counted; 0 when the adjustment month comes after the term."""
    months = (term_end.year - adjustment_month.year) * 12 \
        + term_end.month - adjustment_month.month + 1
    return max(months, 0)


def prorated_amount(added: int, annual_price: Decimal, months: int) -> Decimal:
    exact = Decimal(added) * Decimal(annual_price) * months / 12
    return exact.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class QuoteLine:
    category: str
    ordered: int
    actual: int
    added: int
    annual_price: Decimal
    months: int
    amount: Decimal


# One category of a report: (category, ordered, actual, annual price per device).
QuoteRow = tuple[str, int, int, Decimal]


def quote_lines(rows: Iterable[QuoteRow], adjustment_month: date,
                term_end: date) -> tuple[list[QuoteLine], Decimal]:
    """`rows` are (category, ordered, actual, annual price); the lines of the categories
    that are due, and the total."""
    months = months_to_term_end(adjustment_month, term_end)
    lines = [
        QuoteLine(category, ordered, actual, actual - ordered, Decimal(price), months,
                  prorated_amount(actual - ordered, price, months))
        for category, ordered, actual, price in rows if true_up_due(ordered, actual)
    ]
    return lines, sum((line.amount for line in lines), Decimal("0.00"))
