"""What the report page and the PDF show: the stored figures, typed, with their chart."""

from dataclasses import replace

from .charts import category_charts

# A report whose figures were never computed shows its sections empty.
NO_FIGURES = {
    "contract": {"start": None, "end": None, "currency": ""}, "source": {"date": None},
    "categories": [],
    "true_up": {"lines": [], "total": None, "adjustment_month": None}, "charts": [],
    "headsets": {}, "tickets": {}, "firmware": {}, "uncovered": [], "uncovered_total": 0,
    "csm_hours": {}, "tam_hours": None,
}


def report_context(report, brand=None):
    figures = report.read_figures()
    context = {"report": report, "customer": report.customer, "figures": figures}
    if figures is None:
        return {**context, **NO_FIGURES, "month": report.month}
    # JSON objects come back from the database in their own key order: follow the table's.
    trend = replace(figures.trend, series={
        row.category: figures.trend.series[row.category]
        for row in figures.categories if row.category in figures.trend.series})
    baselines = {row.category: row.baseline for row in figures.categories}
    return {
        **context, "month": figures.month, "contract": figures.contract,
        "source": figures.source, "categories": figures.categories,
        "true_up": figures.true_up,
        "charts": category_charts(trend, baselines,
                                  primary=getattr(brand, "primary_colour", None))
        if trend.months else [],
        "headsets": figures.headsets, "tickets": figures.tickets,
        "firmware": figures.firmware, "uncovered": figures.uncovered,
        "uncovered_total": figures.uncovered_total, "csm_hours": figures.csm_hours,
        "tam_hours": figures.tam_hours,
    }
