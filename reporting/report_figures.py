"""The figures of a monthly report as typed values, and the JSON they are kept in.

A report keeps its figures as they were when it was generated (SPEC §9), so the JSON of an
old report must always open. It carries a format version; a report kept before the version
was written has none and is read as version 1. Decimals are kept as strings (no float ever
touches money or a percentage) and dates in ISO form. The page, the PDF and the API read the
figures through `ReportFigures.from_json`; the report's generation writes `to_json()`.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

from portal.catalogue.eligibility import MESSAGES as COVERAGE_REASONS
from portal.catalogue.models import Category

from .trueup import QuoteLine

# The version `to_json()` writes; `from_json` reads it and every older one.
FORMAT_VERSION = 1


def category_label(category: str) -> str:
    # A category since withdrawn from the catalogue still shows, by its code.
    return dict(Category.choices).get(category, category)


def _decimal(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _read_decimal(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _read_day(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)


@dataclass(frozen=True)
class ContractTerms:
    """The contract the report was computed against, and its baseline version then."""

    id: int
    start: date
    end: date
    currency: str
    status: str
    baseline_version: int | None
    baseline_effective: date | None


@dataclass(frozen=True)
class CountSource:
    """Where the actual counts came from: a Poly Lens snapshot, or the registered devices."""

    kind: str
    date: date


@dataclass(frozen=True)
class CategoryRow:
    """Ordered, baseline and actual of one category."""

    category: str
    ordered: int
    baseline: Decimal
    actual: int
    change_percent: Decimal | None
    status: str  # "true_up_due" or "within_baseline"

    # The badge of each status ({% status_badge row %}), and its wording.
    STATUS_TONES = {"true_up_due": "failed", "within_baseline": "active"}
    STATUS_LABELS = {"true_up_due": _("True-up due"), "within_baseline": _("Within baseline")}

    @property
    def label(self) -> str:
        return category_label(self.category)

    def get_status_display(self) -> str:
        return str(self.STATUS_LABELS[self.status])


@dataclass(frozen=True)
class Trend:
    """Covered devices per category at the end of each of the last twelve months (None
    where no snapshot was taken)."""

    months: list[date]
    series: dict[str, list[int | None]]


@dataclass(frozen=True)
class TrueUpLine(QuoteLine):
    """A line of the true-up the report shows, as the quote would charge it."""

    @property
    def label(self) -> str:
        return category_label(self.category)


@dataclass(frozen=True)
class TrueUp:
    due: bool
    adjustment_month: date
    term_end: date
    months: int
    lines: list[TrueUpLine]
    total: Decimal
    threshold_percent: Decimal


@dataclass(frozen=True)
class HeadsetReplacements:
    """Headset RMAs of the calendar year against the contracted headsets."""

    year: int
    base: int
    approved: int
    percent: Decimal | None
    threshold_percent: Decimal
    chargeable: int
    charges: Decimal


@dataclass(frozen=True)
class SlaResult:
    """Tickets of one priority resolved in the month, and how many met their target."""

    resolved: int
    met: int
    percent: Decimal | None


@dataclass(frozen=True)
class TicketFigures:
    opened: int
    resolved: int
    p1: int
    escalations: int
    cloud_incidents: int
    breaches: int
    sla: dict[str, SlaResult]


@dataclass(frozen=True)
class FirmwareCompliance:
    reporting: int
    outdated: int
    percent_current: Decimal | None


@dataclass(frozen=True)
class UncoveredModel:
    """Devices of a model the contract cannot cover (end of life or service, quote only)."""

    sku: str
    name: str
    category: str
    reason: str
    count: int

    @property
    def category_label(self) -> str:
        return category_label(self.category)

    @property
    def reason_label(self) -> str:
        return COVERAGE_REASONS.get(self.reason, self.reason)


@dataclass(frozen=True)
class CsmHoursFigures:
    used: Decimal
    purchased: int


@dataclass(frozen=True)
class TamHoursFigures:
    """Technical account management: hours used in the month, in the term up to the month's
    end, and bought on the contract for the term."""

    used_in_month: Decimal
    used_in_term: Decimal
    bought: int


@dataclass(frozen=True)
class ReportFigures:
    month: date
    contract: ContractTerms
    source: CountSource
    categories: list[CategoryRow]
    trend: Trend
    true_up: TrueUp
    headsets: HeadsetReplacements
    tickets: TicketFigures
    firmware: FirmwareCompliance
    uncovered: list[UncoveredModel]
    uncovered_total: int
    csm_hours: CsmHoursFigures
    # Kept since technical account management hours are logged; None in older reports.
    tam_hours: TamHoursFigures | None = None

    def to_json(self) -> dict[str, Any]:
        """The figures as plain JSON values, in the current format."""
        contract, true_up, headsets = self.contract, self.true_up, self.headsets
        return {
            "version": FORMAT_VERSION,
            "month": _day(self.month),
            "contract": {"id": contract.id, "start": _day(contract.start),
                         "end": _day(contract.end), "currency": contract.currency,
                         "status": contract.status,
                         "baseline_version": contract.baseline_version,
                         "baseline_effective": _day(contract.baseline_effective)},
            "source": {"kind": self.source.kind, "date": _day(self.source.date)},
            "categories": [{"category": row.category, "ordered": row.ordered,
                            "baseline": _decimal(row.baseline), "actual": row.actual,
                            "change_percent": _decimal(row.change_percent),
                            "status": row.status} for row in self.categories],
            "trend": {"months": [_day(month) for month in self.trend.months],
                      "series": {category: list(points)
                                 for category, points in self.trend.series.items()}},
            "true_up": {
                "due": true_up.due, "adjustment_month": _day(true_up.adjustment_month),
                "term_end": _day(true_up.term_end), "months": true_up.months,
                "lines": [{"category": line.category, "ordered": line.ordered,
                           "actual": line.actual, "added": line.added,
                           "annual_price": _decimal(line.annual_price),
                           "months": line.months, "amount": _decimal(line.amount)}
                          for line in true_up.lines],
                "total": _decimal(true_up.total),
                "threshold_percent": _decimal(true_up.threshold_percent),
            },
            "headsets": {"year": headsets.year, "base": headsets.base,
                         "approved": headsets.approved, "percent": _decimal(headsets.percent),
                         "threshold_percent": _decimal(headsets.threshold_percent),
                         "chargeable": headsets.chargeable,
                         "charges": _decimal(headsets.charges)},
            "tickets": {
                "opened": self.tickets.opened, "resolved": self.tickets.resolved,
                "p1": self.tickets.p1, "escalations": self.tickets.escalations,
                "cloud_incidents": self.tickets.cloud_incidents,
                "breaches": self.tickets.breaches,
                "sla": {priority: {"resolved": result.resolved, "met": result.met,
                                   "percent": _decimal(result.percent)}
                        for priority, result in self.tickets.sla.items()},
            },
            "firmware": {"reporting": self.firmware.reporting,
                         "outdated": self.firmware.outdated,
                         "percent_current": _decimal(self.firmware.percent_current)},
            "uncovered": [{"sku": item.sku, "name": item.name, "category": item.category,
                           "reason": item.reason, "count": item.count}
                          for item in self.uncovered],
            "uncovered_total": self.uncovered_total,
            "csm_hours": {"used": _decimal(self.csm_hours.used),
                          "purchased": self.csm_hours.purchased},
            **({"tam_hours": {"used_in_month": _decimal(self.tam_hours.used_in_month),
                              "used_in_term": _decimal(self.tam_hours.used_in_term),
                              "bought": self.tam_hours.bought}}
               if self.tam_hours is not None else {}),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "ReportFigures":
        """The figures of a stored report, whichever format version it was kept in."""
        version = data.get("version", 1)
        if version not in READERS:
            raise ValueError(f"Monthly report figures of unknown format version {version!r}.")
        return READERS[version](data)


def _from_version_1(data: dict[str, Any]) -> ReportFigures:
    contract, true_up, headsets = data["contract"], data["true_up"], data["headsets"]
    tickets, firmware = data["tickets"], data["firmware"]
    tam = data.get("tam_hours")
    return ReportFigures(
        month=date.fromisoformat(data["month"]),
        contract=ContractTerms(
            id=contract["id"], start=date.fromisoformat(contract["start"]),
            end=date.fromisoformat(contract["end"]), currency=contract["currency"],
            status=contract["status"], baseline_version=contract["baseline_version"],
            baseline_effective=_read_day(contract["baseline_effective"])),
        source=CountSource(kind=data["source"]["kind"],
                           date=date.fromisoformat(data["source"]["date"])),
        categories=[CategoryRow(
            category=row["category"], ordered=row["ordered"],
            baseline=Decimal(row["baseline"]), actual=row["actual"],
            change_percent=_read_decimal(row["change_percent"]), status=row["status"])
            for row in data["categories"]],
        trend=Trend(months=[date.fromisoformat(month) for month in data["trend"]["months"]],
                    series={category: list(points)
                            for category, points in data["trend"]["series"].items()}),
        true_up=TrueUp(
            due=true_up["due"], adjustment_month=date.fromisoformat(true_up["adjustment_month"]),
            term_end=date.fromisoformat(true_up["term_end"]), months=true_up["months"],
            lines=[TrueUpLine(
                category=line["category"], ordered=line["ordered"], actual=line["actual"],
                added=line["added"], annual_price=Decimal(line["annual_price"]),
                months=line["months"], amount=Decimal(line["amount"]))
                for line in true_up["lines"]],
            total=Decimal(true_up["total"]),
            threshold_percent=Decimal(true_up["threshold_percent"])),
        headsets=HeadsetReplacements(
            year=headsets["year"], base=headsets["base"], approved=headsets["approved"],
            percent=_read_decimal(headsets["percent"]),
            threshold_percent=Decimal(headsets["threshold_percent"]),
            chargeable=headsets["chargeable"], charges=Decimal(headsets["charges"])),
        tickets=TicketFigures(
            opened=tickets["opened"], resolved=tickets["resolved"], p1=tickets["p1"],
            escalations=tickets["escalations"], cloud_incidents=tickets["cloud_incidents"],
            breaches=tickets["breaches"],
            sla={priority: SlaResult(resolved=result["resolved"], met=result["met"],
                                     percent=_read_decimal(result["percent"]))
                 for priority, result in tickets["sla"].items()}),
        firmware=FirmwareCompliance(
            reporting=firmware["reporting"], outdated=firmware["outdated"],
            percent_current=_read_decimal(firmware["percent_current"])),
        uncovered=[UncoveredModel(sku=item["sku"], name=item["name"],
                                  category=item["category"], reason=item["reason"],
                                  count=item["count"]) for item in data["uncovered"]],
        uncovered_total=data["uncovered_total"],
        csm_hours=CsmHoursFigures(used=Decimal(data["csm_hours"]["used"]),
                                  purchased=data["csm_hours"]["purchased"]),
        tam_hours=TamHoursFigures(used_in_month=Decimal(tam["used_in_month"]),
                                  used_in_term=Decimal(tam["used_in_term"]),
                                  bought=tam["bought"]) if tam else None,
    )


# One reader per format version; version 1 is also the JSON kept without a version.
READERS = {1: _from_version_1}
