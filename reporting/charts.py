"""The 12-month trend per category, drawn server-side as SVG (the page and the PDF alike)."""

from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.safestring import mark_safe

from .report_figures import category_label

WIDTH, HEIGHT = 640, 200
LEFT, RIGHT, TOP, BOTTOM = 44, 24, 12, 28
COLOURS = ["#1f4e79", "#f28c28", "#2e7d32", "#8e24aa", "#c62828"]


def trend_svg(trend, ordered=None, primary=None):
    """One line per category of the report's `Trend`; `ordered` adds each category's ordered
    quantity as a dashed line. Months without counts leave a gap."""
    months, series = trend.months, trend.series
    values = [v for points in series.values() for v in points if v is not None]
    values += list((ordered or {}).values())
    top = max(values or [1]) * 1.1 or 1
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(months) - 1, 1)

    def x(index):
        return LEFT + index * step

    def y(value):
        return TOP + plot_h - value / top * plot_h

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
             f'width="100%" role="img" class="trend-chart">']
    for fraction in (0, 0.5, 1):
        level = top * fraction
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(level):.1f}" '
                     f'y2="{y(level):.1f}" stroke="#d0d5dd" stroke-width="1"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y(level) + 4:.1f}" font-size="10" '
                     f'text-anchor="end" fill="#475467">{round(level)}</text>')
    for index, month in enumerate(months):
        if index % 2 == len(months) % 2 or index == len(months) - 1:
            parts.append(f'<text x="{x(index):.1f}" y="{HEIGHT - 8}" font-size="10" '
                         f'text-anchor="middle" fill="#475467">'
                         f'{escape(date_format(month, "M y"))}</text>')
    for number, (category, points) in enumerate(series.items()):
        colour = primary if number == 0 and primary else COLOURS[number % len(COLOURS)]
        if ordered and category in ordered:
            parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(ordered[category]):.1f}"'
                         f' y2="{y(ordered[category]):.1f}" stroke="{colour}" '
                         f'stroke-dasharray="4 3" stroke-width="1"/>')
        segment = []
        for index, value in enumerate(points + [None]):
            if value is None:
                if len(segment) > 1:
                    parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" '
                                 f'points="{" ".join(segment)}"/>')
                segment = []
                continue
            segment.append(f"{x(index):.1f},{y(value):.1f}")
            parts.append(f'<circle cx="{x(index):.1f}" cy="{y(value):.1f}" r="2.5" '
                         f'fill="{colour}"/>')
    parts.append("</svg>")
    # The swatch is a tiny SVG filled by attribute: the pages' policy refuses style attributes.
    legend = "".join(
        f'<span class="legend-item"><svg class="legend-swatch" viewBox="0 0 1 1" '
        f'aria-hidden="true"><rect width="1" height="1" '
        f'fill="{primary if number == 0 and primary else COLOURS[number % len(COLOURS)]}"/>'
        f'</svg>{escape(category_label(category))}</span>'
        for number, category in enumerate(series))
    return mark_safe("".join(parts) + f'<div class="legend">{legend}</div>')
