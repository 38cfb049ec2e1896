"""Where a contract stands today, per category (SPEC §5, §9): ordered and how it was reached
(installed + growth + true-ups), the baseline, the actual count as the monthly report would
take it, the change, and how far the count is from the true-up threshold."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_CEILING, Decimal

from django.db.models import Sum, Window

from contracts.models import Contract
from portal.prepared import PreparedRows
from portal.programme import rule, whole_devices

from . import trueup
from .figures import actual_counts
from .models import TamHours
from .report_figures import CountSource, category_label

TAM_ENTRIES_SHOWN = 10


def threshold_count(ordered: int) -> int:
    """The smallest count at which a true-up is due: at least ordered × (1 + threshold)
    and above ordered (trueup.true_up_due)."""
    at_threshold = (Decimal(ordered) * (1 + rule("TRUE_UP_THRESHOLD"))).to_integral_value(
        rounding=ROUND_CEILING)
    return max(ordered + 1, int(at_threshold))


@dataclass(frozen=True)
class TrueUpStep:
    number: int
    effective_date: date
    added: int


@dataclass(frozen=True)
class CategoryStanding:
    category: str
    installed: int
    growth: int
    true_ups: list[TrueUpStep]
    ordered: int
    baseline: Decimal | None
    actual: int
    threshold: int

    @property
    def label(self) -> str:
        return category_label(self.category)

    @property
    def true_up_total(self) -> int:
        return sum(step.added for step in self.true_ups)

    @property
    def baseline_shown(self) -> int | None:
        return None if self.baseline is None else whole_devices(self.baseline)

    @property
    def change(self) -> int:
        return self.actual - self.ordered

    @property
    def change_percent(self) -> Decimal | None:
        ratio = trueup.change_ratio(self.ordered, self.actual)
        return None if ratio is None else (ratio * 100).quantize(Decimal("0.1"))

    @property
    def true_up_due(self) -> bool:
        return trueup.true_up_due(self.ordered, self.actual)

    @property
    def to_threshold(self) -> int:
        """Devices still to add before a true-up is due (0 once it is)."""
        return max(self.threshold - self.actual, 0)

    @property
    def to_threshold_percent(self) -> Decimal | None:
        """The same distance as a share of ordered; None when nothing was ordered."""
        if not self.ordered:
            return None
        return (Decimal(self.to_threshold) * 100 / self.ordered).quantize(Decimal("0.1"))


@dataclass(frozen=True)
class Standing:
    on_date: date
    source: CountSource
    threshold_percent: Decimal
    categories: list[CategoryStanding]
    tam_hours_used: Decimal
    tam_hours_bought: int
    tam_entries: list[TamHours]


def contract_standing(contract: Contract, on_date: date) -> Standing:
    """`contract` with its lines and baseline versions (with entries) prefetched."""
    versions = sorted(contract.baseline_versions.all(), key=lambda version: version.number)
    entries = [{entry.category: entry for entry in version.entries.all()}
               for version in versions]
    current = entries[-1] if entries else {}
    actual, source = actual_counts(contract.customer, on_date)
    categories = []
    for line in contract.lines.all():
        steps, previous = [], line.ordered
        # Version 1 is the initial baseline; each later one records a true-up.
        for version, by_category in zip(versions[1:], entries[1:], strict=True):
            entry = by_category.get(line.category)
            if entry is not None and entry.ordered != previous:
                steps.append(TrueUpStep(version.number, version.effective_date,
                                        entry.ordered - previous))
                previous = entry.ordered
        entry = current.get(line.category)
        ordered = entry.ordered if entry else line.ordered
        categories.append(CategoryStanding(
            category=line.category, installed=line.installed, growth=line.growth,
            true_ups=steps, ordered=ordered, baseline=entry.baseline if entry else None,
            actual=actual.get(line.category, 0), threshold=threshold_count(ordered)))
    # The hours used ride along the latest entries (a window over all of them): one query.
    tam_entries = PreparedRows(
        "contract-tam-hours", TamHours, lambda contract: TamHours.objects.filter(
            contract=contract).annotate(used=Window(Sum("hours")))[:TAM_ENTRIES_SHOWN],
        {"contract": TamHours._meta.get_field("contract")}, {"contract": contract.pk}).all()
    used = tam_entries[0].used if tam_entries else None
    return Standing(on_date=on_date, source=source,
                    threshold_percent=(rule("TRUE_UP_THRESHOLD") * 100).normalize(),
                    categories=categories, tam_hours_used=used or Decimal("0"),
                    tam_hours_bought=contract.tam_hours,
                    tam_entries=tam_entries)
