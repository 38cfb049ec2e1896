"""The 12-month trend, one small chart per category with its own scale and its baseline
line, drawn server-side as SVG (the page and the PDF alike). Colours are presentation
attributes and the look comes from classes: no style attribute (Content-Security-Policy)."""

from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from portal import formats
from portal.programme import whole_devices

from .report_figures import category_label

WIDTH, HEIGHT = 300, 130
# RIGHT leaves room for half of the last month's label, centred on the last point.
LEFT, RIGHT, TOP, BOTTOM = 36, 24, 10, 24
DEFAULT_COLOUR = "#1f4e79"
BASELINE_COLOUR = "#b42318"
GRID_COLOUR = "#d0d5dd"
TEXT_COLOUR = "#475467"


@dataclass(frozen=True)
class CategoryChart:
    category: str
    svg: SafeString

    @property
    def label(self) -> str:
        return category_label(self.category)


def _scale(points, baseline):
    """The category's own range: its counts and its baseline, with a little room."""
    values = [v for v in points if v is not None] + ([baseline] if baseline is not None else [])
    if not values:
        return 0, 1
    low, high = min(values), max(values)
    room = max((high - low) * 0.15, 1)
    return max(low - room, 0), high + room


def category_svg(months, points, baseline=None, colour=None) -> SafeString:
    """One category: its monthly counts (None leaves a gap) and the baseline as a dashed
    line (whole devices, as the baseline is shown)."""
    colour = colour or DEFAULT_COLOUR
    low, high = _scale(points, baseline)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(months) - 1, 1)

    def x(index):
        return LEFT + index * step

    def y(value):
        return TOP + plot_h - (value - low) / (high - low) * plot_h

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
             f'width="100%" role="img" class="trend-chart">']
    for level in (low, (low + high) / 2, high):
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(level):.1f}" '
                     f'y2="{y(level):.1f}" stroke="{GRID_COLOUR}" stroke-width="1"/>')
        parts.append(f'<text x="{LEFT - 4}" y="{y(level) + 3:.1f}" font-size="9" '
                     f'text-anchor="end" fill="{TEXT_COLOUR}">'
                     f'{escape(formats.number(round(level)))}</text>')
    for index, month in enumerate(months):
        if index % 3 == (len(months) - 1) % 3:
            parts.append(f'<text x="{x(index):.1f}" y="{HEIGHT - 8}" font-size="9" '
                         f'text-anchor="middle" fill="{TEXT_COLOUR}">'
                         f'{escape(formats.short_month(month))}</text>')
    if baseline is not None:
        parts.append(f'<line class="baseline-line" x1="{LEFT}" x2="{WIDTH - RIGHT}" '
                     f'y1="{y(baseline):.1f}" y2="{y(baseline):.1f}" '
                     f'stroke="{BASELINE_COLOUR}" stroke-dasharray="4 3" stroke-width="1">'
                     f'<title>{escape(_("Baseline"))} {baseline}</title></line>')
    segment: list[str] = []
    for index, value in enumerate(list(points) + [None]):
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
    return mark_safe("".join(parts))


def category_charts(trend, baselines=None, primary=None) -> list[CategoryChart]:
    """A chart per category of the report's `Trend`; `baselines` maps a category to its
    exact baseline."""
    baselines = baselines or {}
    return [CategoryChart(category, category_svg(
        trend.months, points,
        whole_devices(baselines[category]) if baselines.get(category) is not None else None,
        primary)) for category, points in trend.series.items()]
