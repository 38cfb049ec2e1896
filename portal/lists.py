"""List pages: one table component (`includes/table.html`) fed a column spec, sorting by
whitelisted keys, and the `{% status_badge %}` tag (`{% load lists %}`).

A column's cells are small Python functions returning HTML (`html`, format_html's rule): a
list page renders hundreds of cells, and one template per cell cost most of the page's time.

Each list declares its filters once, as a django-filter FilterSet in its app's `filters.py`,
which the page, its CSV export and the API share; this module holds what every list uses."""

import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import time
from functools import cache, lru_cache
from html import escape as html_escape

import django_filters
from django import forms, template
from django.db.models import Case, F, Q, Value, When
from django.forms import BoundField
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone, translation
from django.utils.dateformat import DateFormat
from django.utils.formats import get_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from django_filters import Filter

from portal.prepared import PreparedRows
from portal.widgets import bound_select

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


# Unbound forms shared by requests (`shared_form`): {(language, *key): form}, the least
# recently used dropped first.
_SHARED_FORMS: OrderedDict = OrderedDict()
_SHARED_FORMS_LOCK = threading.Lock()
MAX_SHARED_FORMS = 256


def shared_form(key, make):
    """The unbound form `make()` builds, made once for every request whose `key` is the same
    in the same language: a list's filters and bulk bar, a ticket page's form. An unbound
    form is only rendered: there is no data, error or cleaned value to keep apart, and
    building one copies every field and choice. Its written HTML is kept with it
    (`written_once`), so `key` must name all it is made of besides the language: options
    read for the user go in whole. Hidden fields are written afresh (`hidden_fields`)."""
    key = (get_language(), *key)
    with _SHARED_FORMS_LOCK:
        form = _SHARED_FORMS.get(key)
        if form is not None:
            _SHARED_FORMS.move_to_end(key)
            return form
    form = make()
    with _SHARED_FORMS_LOCK:
        _SHARED_FORMS[key] = form
        if len(_SHARED_FORMS) > MAX_SHARED_FORMS:
            _SHARED_FORMS.popitem(last=False)
    return form


class ListFilters(django_filters.FilterSet):
    """A list's FilterSet whose unbound form, what a list's first look shows, is shared
    (`shared_form`) by the requests whose `form_key()` is the same."""

    def form_key(self):
        """What the form's fields are made of besides its class and the language: nothing
        when their choices are fixed; None when it is not to be shared."""
        return ()

    @property
    def form(self):
        form = self.__dict__.get("_form")
        if form is None:
            key = None if self.is_bound else self.form_key()
            form = self._form = self.new_form() if key is None else shared_form(
                (type(self), *key), self.new_form)
        return form

    def new_form(self):
        """The filters' form, made as django-filter makes it."""
        return django_filters.FilterSet.form.fget(self)


def filtered(filterset):
    """The list's rows: filtered when the filters are valid, all of them otherwise (the page
    then shows the form's errors above the whole list, as before)."""
    return filterset.qs if filterset.is_valid() else filterset.queryset


def reference_q(query, prefix):
    """A reference as users type it ("T-000042", "t-42", "42") matching the row whose primary
    key it carries; matches nothing more when the query is not a reference."""
    number = query.upper().removeprefix(prefix).lstrip("0")
    return Q(pk=int(number)) if number.isdigit() else Q()


SELECTED = mark_safe(" selected")


@register.simple_tag
def filter_field(field):
    """A filter's label and input, as Django's widgets render them, built here: widget
    templates render every option of a select through a template of its own, which cost
    a list page as much as its rows."""
    widget = field.field.widget
    if isinstance(widget, forms.CheckboxInput):
        return format_html('<label><input type="checkbox" name="{}" id="{}"{}> {}</label>',
                           field.html_name, field.auto_id,
                           mark_safe(" checked") if widget.check_test(field.value()) else "",
                           field.label)
    label = format_html('<label for="{}">{}{}</label>', field.id_for_label, field.label,
                        field.form.label_suffix)
    if type(widget) is forms.Select:
        chosen = field.value()
        chosen = "" if chosen is None else str(chosen)
        options = "".join(
            html('<option value="{}"{}>{}</option>', value,
                 SELECTED if str(value) == chosen else "", text)
            for value, text in field.field.choices)
        return format_html('{}<select name="{}" id="{}">{}</select>', label, field.html_name,
                           field.auto_id, SafeString(options))
    if type(widget) is forms.TextInput:
        placeholder = widget.attrs.get("placeholder")
        return format_html('{}<input type="text" name="{}" id="{}"{}{}>', label,
                           field.html_name, field.auto_id,
                           format_html(' value="{}"', field.value()) if field.value() else "",
                           format_html(' placeholder="{}"', placeholder) if placeholder else "")
    return format_html("{}{}", label, field)


def written_once(form, key, write):
    """`write()`, the HTML of a part of `form` named `key`, kept with the form when it is
    unbound: a shared one (`shared_form`) writes the same every time."""
    if form.is_bound:
        return write()
    written = form.__dict__.setdefault("_written", {})
    html = written.get(key)
    if html is None:
        html = written[key] = write()
    return html


@register.simple_tag
def filter_fields(form):
    """Every filter of `form`, each `filter_field` in its <div>."""
    return written_once(form, "filters", lambda: SafeString("".join(
        f"<div>{filter_field(field)}</div>" for field in form)))


@register.simple_tag
def labelled_inputs(form):
    """Every field of `form` as a paragraph of its label and input (`field_input`)."""
    return written_once(form, "labelled inputs", lambda: SafeString("".join(
        f"<p>{field.label_tag()}{field_input(field)}</p>" for field in form)))


@register.simple_tag
def hidden_fields(form):
    """`{% for field in form.hidden_fields %}{{ field }}{% endfor %}`, each field bound
    afresh: a shared unbound form (`shared_form`) then issues a new one-time token each time
    it is shown, as a form of its own would."""
    return SafeString("".join(
        str(BoundField(form, field, name)) for name, field in form.fields.items()
        if field.widget.is_hidden))


@register.simple_tag
def form_field(field):
    """`includes/field.html` (a field's label, input, help and errors), built here: the
    ticket page's form has a dozen fields, each a template included."""
    if field.widget_type == "checkbox":
        control = format_html("<label>{} {}</label>", field, field.label)
    else:
        control = format_html("{}{}", field.label_tag(), bound_select(field) or field)
    helptext = format_html('<span class="helptext">{}</span>', mark_safe(field.help_text)) \
        if field.help_text else ""
    errors = format_html('<ul class="errorlist" role="alert">{}</ul>', format_html_join(
        "", "<li>{}</li>", ((error,) for error in field.errors))) if field.errors else ""
    return format_html('<div class="field">\n  {}\n  {}\n  {}\n</div>\n', control, helptext,
                       errors)


@register.simple_tag
def form_fields(form):
    """`includes/form_fields.html` (a form's errors, hidden fields and each `form_field`),
    built here: a page of several forms spent a tenth of a millisecond in each include."""
    errors = form.non_field_errors()
    written = format_html('<ul class="errorlist" role="alert">{}</ul>', format_html_join(
        "", "<li>{}</li>", ((error,) for error in errors))) if errors else ""
    return SafeString(
        f"{written}\n{''.join(str(field) for field in form.hidden_fields())}\n"
        f"{''.join(form_field(field) for field in form.visible_fields())}\n")


@register.simple_tag
def field_input(field):
    """`{{ field }}`, a plain select written from its choices (`bound_select`)."""
    return bound_select(field) or field


def html(template, *args):
    """`format_html` for the hundreds of cells and options of a list: the same escaping
    (text escaped, HTML made safe kept), without the lazy-text checks Django's escape makes
    on every argument."""
    return SafeString(template.format(*[
        arg if type(arg) is SafeString else _escaped(arg) for arg in args]))


def _escaped(value):
    if type(value) is str:
        return html_escape(value)
    return value.__html__() if hasattr(value, "__html__") else html_escape(str(value))


class CountedApart:
    """What a Paginator reads of a list, its count from `counted` and its pages from
    `listed`, the same rows with the columns its cells show: a count has no use for the
    joins that only read those columns, and PostgreSQL keeps an inner join even unused."""

    def __init__(self, counted, listed):
        self.counted = counted
        self.listed = listed

    @classmethod
    def of(cls, rows, as_listed):
        """`rows` (a queryset or PreparedRows) counted as they are and listed through
        `as_listed(queryset)`, for prepared rows a shape of their own."""
        if isinstance(rows, PreparedRows):
            return cls(rows, rows.narrowed("listed", as_listed))
        return cls(rows, as_listed(rows))

    def count(self):
        return self.counted.count()

    def __getitem__(self, index):
        return self.listed[index]


# --- Sorting ---------------------------------------------------------------------------

def whole_list_order(request, sorts):
    """The order of a list asked for whole — no filter, only its page and sort order — as a
    key of `sorts` ("-" for descending, "" for the list's own order); None when filters
    are given. A whole list is everyone's first look: its view reads it through SQL
    compiled once per thread (portal/prepared.py), one shape per order."""
    if request.GET.keys() - {"page", "sort"}:
        return None
    sort = request.GET.get("sort") or ""
    return sort if sort.removeprefix("-") in sorts else ""


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
    """One column: its header, its cell (a function of the row returning text or HTML made
    with `format_html`) and, when users may sort by it, the key of the list's sorts."""

    label: str
    cell: Callable[[object], str]
    sort: str = ""
    # Shown first when a narrow screen lays rows out as cards: the row's identifier, its
    # status and what is urgent about it (SLA, coverage).
    lead: bool = False


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


@register.simple_tag
def table_rows(table):
    """The rows of `includes/table.html`."""
    # Each cell carries its column's name, which the cards of a narrow screen show.
    cells = [(html('<td data-label="{}"{}>', column.label,
                   mark_safe(' class="cell--lead"') if column.lead else ""), column.cell)
             for column in table.columns]
    rows = []
    for row in table.rows:
        line = ["<tr>"]
        for opening, cell in cells:
            value = cell(row)
            # Most cells are HTML already made safe: written as they are.
            line.append(f"{opening}{value if type(value) is SafeString else _escaped(value)}</td>")
        line.append("</tr>\n")
        rows.append("".join(line))
    return SafeString("".join(rows))


class Words:
    """A table's words, each translated once: its hundred rows say the same few ("Covered",
    "due …", a status), and every translation looks up the reader's language again.

    Made for one table, as it is rendered (one request, one language)."""

    def __init__(self):
        self._messages = {}
        self._labels = {}
        self._reader = None
        self._date_pieces = None

    def short_datetime(self, value):
        """`short_datetime(value)`, the reader's time zone and language read once."""
        if not value:
            return DASH
        if self._reader is None:
            self._reader = (timezone.get_current_timezone(), get_language(),
                            _format_pieces(get_format("SHORT_DATETIME_FORMAT")))
        zone, language, pieces = self._reader
        return _formatted(value.astimezone(zone), pieces, language)

    def short_date(self, value):
        """`short_date(value)`, the reader's format read once."""
        if not value:
            return DASH
        if self._date_pieces is None:
            self._date_pieces = _format_pieces(get_format("SHORT_DATE_FORMAT"))
        return _formatted(value, self._date_pieces, None)

    def __call__(self, message):
        """`gettext(message)`."""
        text = self._messages.get(message)
        if text is None:
            text = self._messages[message] = gettext(message)
        return text

    def status(self, obj):
        """`status_label(obj)`, as text."""
        return self.choice(obj, "status")

    def choice(self, obj, field):
        """`obj.get_<field>_display()`."""
        return self.label(type(obj), field, getattr(obj, field))

    def label(self, model, field, value):
        """The label of `value` among the choices of `model`'s `field`."""
        key = (model, field, value)
        text = self._labels.get(key)
        if text is None:
            text = self._labels[key] = str(_choice_labels(model, field).get(value, value))
        return text


# --- Cells -------------------------------------------------------------------------------

DASH = "—"


# Routes reversed once per site: {(route, values, urlconf, script prefix): pieces}.
_ROUTES: dict = {}
_MARKER = 9_876_543_210_123


def row_url(route, *values):
    """`reverse(route, args=values)` for a list's rows, whose ids and slugs (which need no
    quoting in a path) differ from row to row: the route is reversed once, with a marker
    for each value, then each row's values put in their places."""
    key = (route, len(values), get_urlconf(), get_script_prefix())
    pieces = _ROUTES.get(key)
    if pieces is None:
        rest, pieces = reverse(route, args=[_MARKER + index for index in range(len(values))]), []
        for index in range(len(values)):
            before, rest = rest.split(str(_MARKER + index), 1)
            pieces.append(before)
        pieces = _ROUTES[key] = (*pieces, rest)
    url = pieces[0]
    for value, after in zip(values, pieces[1:], strict=True):
        url = f"{url}{value}{after}"
    return url


def link(url, text):
    return html('<a href="{}">{}</a>', url, text)


def with_muted(text, muted):
    """A value followed by a secondary one in grey (a model's SKU, a customer's Site ID)."""
    return html('{} <span class="muted">{}</span>', text, muted)


def short_datetime(value):
    """As `{{ value|date:"SHORT_DATETIME_FORMAT" }}` shows it: in the reader's time zone and
    language; a dash when there is none."""
    return _date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT") if value else DASH


def short_date(value):
    return _date_format(value, "SHORT_DATE_FORMAT") if value else DASH


# What django.utils.dateformat reads a format with; a list formats a hundred dates, and
# splitting the format again for each cost more than the dates themselves.
_FORMAT_LETTERS = re.compile(r"(?<!\\)([aAbcdDeEfFgGhHiIjlLmMnNoOPrsStTUuwWyYzZ])")
_ESCAPED = re.compile(r"\\(.)")


def _date_format(value, format_name):
    """`date_format(value, format_name)` in the active language, the format split once.

    The numbers of a date and the 12-hour clock are written here as DateFormat writes them:
    building one for each of a list's hundred dates cost more than the dates themselves."""
    return _formatted(value, _format_pieces(get_format(format_name)), None)


def _formatted(value, pieces, language):
    """`value` written in a format's pieces; `language`: the active one when known."""
    formatter = None
    text = []
    for letter, piece in pieces:
        if not letter:
            text.append(piece)
        elif piece in _NUMBERS:
            text.append(_NUMBERS[piece](value))
        elif piece == "P":
            text.append(_twelve_hour_clock(language or get_language(), value.hour,
                                           value.minute))
        else:
            formatter = formatter or DateFormat(value)
            text.append(str(getattr(formatter, piece)()))
    return "".join(text)


# DateFormat's letters of plain numbers (d, j, m, n, y, Y, G, H, i), as it writes them.
_NUMBERS = {
    "d": lambda value: f"{value.day:02d}",
    "j": lambda value: str(value.day),
    "m": lambda value: f"{value.month:02d}",
    "n": lambda value: str(value.month),
    "y": lambda value: f"{value.year % 100:02d}",
    "Y": lambda value: f"{value.year:04d}",
    "G": lambda value: str(value.hour),
    "H": lambda value: f"{value.hour:02d}",
    "i": lambda value: f"{value.minute:02d}",
}


@lru_cache(maxsize=4096)
def _twelve_hour_clock(language, hour, minute):
    """DateFormat's "P" ("2:05 p.m.", "noon"): a function of the language and the time of
    day only, worked out once for each."""
    with translation.override(language):
        return str(DateFormat(time(hour, minute)).P())


@cache
def _format_pieces(format_string):
    pieces = []
    for index, piece in enumerate(_FORMAT_LETTERS.split(format_string)):
        if index % 2:
            pieces.append((True, piece))
        elif piece:
            pieces.append((False, _ESCAPED.sub(r"\1", piece)))
    return tuple(pieces)


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
    return html('<span class="badge badge--{}">{}</span>',
                       type(obj).STATUS_TONES[status], label)


def status_label(obj):
    """`obj.get_status_display()`, without rebuilding the model's choices for every row."""
    return _status_labels(type(obj)).get(obj.status, obj.status)


def _status_labels(model):
    return _choice_labels(model, "status")


@cache
def _choice_labels(model, field):
    # What get_<field>_display() reads, without rebuilding the choices for every row.
    return dict(model._meta.get_field(field).flatchoices)
