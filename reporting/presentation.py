"""What the report page and the PDF show: the stored figures with their labels and chart."""

from datetime import date
from decimal import Decimal

from portal.catalogue.eligibility import MESSAGES as COVERAGE_REASONS
from portal.catalogue.models import Category

from .charts import trend_svg


def _date(value):
    return date.fromisoformat(value) if isinstance(value, str) and value else value


def _decimal(value):
    return Decimal(value) if isinstance(value, str) and value else value


def report_context(report, brand=None):
    data = report.figures or {}
    labels = dict(Category.choices)
    categories = [{**row, "label": labels.get(row["category"], row["category"]),
                   "baseline": _decimal(row["baseline"]),
                   "change_percent": _decimal(row.get("change_percent"))}
                  for row in data.get("categories", [])]
    true_up = dict(data.get("true_up", {}))
    true_up["lines"] = [{**line, "label": labels.get(line["category"], line["category"]),
                         "annual_price": _decimal(line["annual_price"]),
                         "amount": _decimal(line["amount"])}
                        for line in true_up.get("lines", [])]
    true_up["total"] = _decimal(true_up.get("total"))
    true_up["adjustment_month"] = _date(true_up.get("adjustment_month"))
    trend = data.get("trend", {"months": [], "series": {}})
    # JSON objects come back from the database in their own key order: follow the table's.
    trend = {"months": trend["months"],
             "series": {row["category"]: trend["series"][row["category"]]
                        for row in categories if row["category"] in trend["series"]}}
    ordered = {row["category"]: row["ordered"] for row in categories}
    uncovered = [{**item, "reason_label": COVERAGE_REASONS.get(item["reason"], item["reason"]),
                  "category_label": labels.get(item["category"], item["category"])}
                 for item in data.get("uncovered", [])]
    return {
        "report": report, "customer": report.customer, "figures": data,
        "month": _date(data.get("month")) or report.month,
        "contract": {**data.get("contract", {}),
                     "start": _date(data.get("contract", {}).get("start")),
                     "end": _date(data.get("contract", {}).get("end"))},
        "source": {**data.get("source", {}), "date": _date(data.get("source", {}).get("date"))},
        "categories": categories, "true_up": true_up,
        "chart": trend_svg(trend, labels, ordered,
                           primary=getattr(brand, "primary_colour", None))
        if trend.get("months") else "",
        "headsets": data.get("headsets", {}), "tickets": data.get("tickets", {}),
        "firmware": data.get("firmware", {}), "uncovered": uncovered,
        "uncovered_total": data.get("uncovered_total", 0),
        "csm_hours": data.get("csm_hours", {}),
    }
