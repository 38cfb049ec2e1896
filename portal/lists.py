"""List pages: one table component (`includes/table.html`) fed a column spec, sorting by
whitelisted keys, and the `{% status_badge %}` tag (`{% load lists %}`).

Each list declares its filters once, as a django-filter FilterSet in its app's `filters.py`,
which the page, its CSV export and the API share; this module holds what every list uses."""

from dataclasses import dataclass
from functools import cache, lru_cache

import django_filters
from django import forms, template
from django.db.models import Case, F, Q, Value, When
from django.template import Template
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django_filters import Filter

register = template.Library()


class CheckboxFilter(Filter):
    """A yes-or-nothing filter shown as a checkbox ("on" from a page, "true" from the API)."""

    field_class = forms.BooleanField


class StatusFilter(django_filters.ChoiceFilter):
    """One status, or "open": every status the list's queryset counts as open (its `open()`,
    the model's rule)."""

    def __init__(self, statuses, **kwargs):
        super().__init__(label=_("Status"), empty_label=_("All statuses"),
                         choices=[("open", _("Open")), *statuses.choices], **kwargs)

    def filter(self, qs, value):
        return qs.open() if value == "open" else super().filter(qs, value)


def filtered(filterset):
    """The list's rows: filtered when the filters are valid, all of them otherwise (the page
    then shows the form's errors above the whole list, as before)."""
    return filterset.qs if filterset.is_valid() else filterset.queryset


def reference_q(query, prefix):
    """A reference as users type it ("T-000042", "t-42", "42") matching the row whose primary
    key it carries; matches nothing more when the query is not a reference."""
    number = query.upper().removeprefix(prefix).lstrip("0")
    return Q(pk=int(number)) if number.isdigit() else Q()


# --- Sorting ---------------------------------------------------------------------------

def sorted_by(queryset, requested, sorts):
    """`queryset` in the order `requested` ("key" or "-key", a key of `sorts`, whose values are
    field names or expressions). Empty values come last either way and the primary key
    breaks ties, so pages never repeat or skip a row. An unknown key keeps the list's own
    order."""
    requested = requested or ""
    key = requested.removeprefix("-")
    if key not in sorts:
        return queryset
    expression = sorts[key]
    if isinstance(expression, str):
        expression = F(expression)
    if requested.startswith("-"):
        return queryset.order_by(expression.desc(nulls_last=True), "-pk")
    return queryset.order_by(expression.asc(nulls_last=True), "pk")


def in_order_of(field, values):
    """A sort expression putting `field` in the order of `values` (a workflow's statuses)
    rather than alphabetically."""
    return Case(*(When(**{field: value}, then=Value(index))
                  for index, value in enumerate(values)))


# --- The table component -----------------------------------------------------------------

@dataclass(frozen=True)
class Column:
    """One column: its header, the template of its cell (given `row`) and, when users may
    sort by it, the key of the list's sorts."""

    label: str
    cell: str
    sort: str = ""


@dataclass(frozen=True)
class Header:
    label: str
    sort: str  # the value of `sort` its link asks for; empty: not sortable
    direction: str  # "ascending", "descending" or "" (aria-sort)


class Table:
    """What `includes/table.html` renders: the columns, the rows and the current sort."""

    def __init__(self, columns, rows, *, empty, sort="", sortable=True):
        """`sortable`: False where the page does not sort (a list inside another page)."""
        self.columns = columns
        self.rows = rows
        self.empty = empty
        self.sort = sort or ""
        self.sortable = sortable

    @property
    def headers(self):
        current = self.sort.removeprefix("-")
        descending = self.sort.startswith("-")
        headers = []
        for column in self.columns:
            direction = ""
            if not self.sortable:
                headers.append(Header(column.label, "", ""))
                continue
            if column.sort and column.sort == current:
                direction = "descending" if descending else "ascending"
            # A second click on the sorted column reverses it.
            next_sort = f"-{column.sort}" if direction == "ascending" else column.sort
            headers.append(Header(column.label, next_sort, direction))
        return headers


@register.simple_tag(takes_context=True)
def table_rows(context, table):
    """The rows of `includes/table.html`: every column's cell template, joined into one
    template per set of columns, so that a row costs its cells and not one include each."""
    engine = context.template.engine
    names = tuple(column.cell for column in table.columns)
    # Under DEBUG, an edited cell shows at the next request, as included templates do.
    template = (_rows_template.__wrapped__ if engine.debug else _rows_template)(engine, names)
    return template.render(context)


@lru_cache(maxsize=64)
def _rows_template(engine, names):
    cells = "".join(f"<td>{engine.get_template(name).source}</td>" for name in names)
    return Template("{% for row in table.rows %}\n    <tr>" + cells + "</tr>\n  {% endfor %}",
                    engine=engine)


# --- Status badges -----------------------------------------------------------------------

@register.simple_tag
def status_badge(obj, status=None):
    """A badge in the tone the object's model gives its status (`STATUS_TONES`); `status`
    when the status is computed rather than stored (an authorisation letter on a day)."""
    if status is None:
        status = obj.status
        # A model's labels are read once; other rows (the console's) say their own.
        label = (_status_labels(type(obj)).get(status, status) if hasattr(obj, "_meta")
                 else obj.get_status_display())
    else:
        label = status.label
    return format_html('<span class="badge badge--{}">{}</span>',
                       type(obj).STATUS_TONES[status], label)


@cache
def _status_labels(model):
    # What get_status_display() reads, without rebuilding the choices for every row.
    return dict(model._meta.get_field("status").flatchoices)
