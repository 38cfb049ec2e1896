"""Importing the catalogue from a CSV file: every row is checked before anything is written.

`parse_catalogue_csv` reads the upload and answers either the clean rows or every error
found (line 1 is the header); `apply_catalogue_rows` writes clean rows in one transaction.
The columns are those of the catalogue's CSV export, so an export can be imported as-is.
"""

import csv
import io
import re
from copy import copy
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.forms.models import model_to_dict
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from .forms import ProductModelForm
from .models import Category, ProductModel, QuoteOnlyLine

COLUMNS = ["sku", "name", "family", "category", "quote_only_line", "end_of_life",
           "end_of_service", "list_price", "currency", "current_firmware"]
REQUIRED_COLUMNS = ["sku", "name", "family", "category", "list_price"]
# Header names as people write them, once lower-cased and with spaces and hyphens as "_".
ALIASES = {
    **{column: column for column in COLUMNS},
    "product_name": "name",
    "line": "quote_only_line",
    "eol": "end_of_life",
    "eos": "end_of_service",
    "price": "list_price",
    "firmware": "current_firmware",
}
DEFAULTS = {"quote_only_line": "", "end_of_life": None, "end_of_service": None,
            "currency": "EUR", "current_firmware": ""}
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]
DEFAULT_MAX_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True)
class RowError:
    line: int | None  # None: the file as a whole
    column: str
    message: str


@dataclass
class CleanRow:
    line: int
    sku: str
    values: dict
    changed: bool = True


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skus: list = field(default_factory=list)


def max_bytes():
    return getattr(settings, "CATALOGUE_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES)


def parse_catalogue_csv(upload):
    """(clean rows, []) when every row is valid, otherwise ([], every error found)."""
    limit = max_bytes()
    if upload.size > limit:
        return [], [RowError(None, "", _("The file is %(size)s; the limit is %(limit)s.") % {
            "size": filesizeformat(upload.size), "limit": filesizeformat(limit)})]
    upload.seek(0)
    text = decode(upload.read())
    if text is None:
        return [], [RowError(None, "", _(
            "The file could not be read as text. Save it as CSV in UTF-8 or Windows-1252."))]
    if not text.strip():
        return [], [RowError(None, "", _("The file is empty."))]
    try:
        records = read_records(text)
    except csv.Error as exc:
        return [], [RowError(None, "", _("The file is not valid CSV: %(error)s") % {
            "error": exc})]
    (_first, header), body = records[0], records[1:]
    columns, errors = map_header(header)
    if errors:
        return [], errors
    return validate_rows(columns, header, body)


def decode(raw):
    """UTF-8 (with or without a byte-order mark), else Windows-1252; None if neither fits."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def read_records(text):
    """[(line where the record starts, cells)]; a quoted value may span several lines."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text))
    records, next_line = [], 1
    for cells in reader:
        records.append((next_line, cells))
        next_line = reader.line_num + 1
    return records


def sniff_delimiter(text):
    """`;` when the header line has more semicolons than commas (spreadsheets in French
    locales save it that way), `,` otherwise."""
    first_line = text.lstrip("\ufeff").splitlines()[0]
    return ";" if first_line.count(";") > first_line.count(",") else ","


def normalise_header(name):
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


def map_header(header):
    """{index in the row: field name}, or the errors that make the header unusable."""
    columns, errors, seen = {}, [], {}
    for index, name in enumerate(header):
        if not name.strip():
            continue
        target = ALIASES.get(normalise_header(name))
        if target is None:
            errors.append(RowError(1, name, _(
                "Unknown column. The columns are: %(columns)s.") % {
                    "columns": ", ".join(COLUMNS)}))
        elif target in seen:
            errors.append(RowError(1, name, _(
                "This column repeats the column “%(other)s”.") % {"other": seen[target]}))
        else:
            seen[target] = name
            columns[index] = target
    for column in REQUIRED_COLUMNS:
        if column not in seen:
            errors.append(RowError(1, column, _("This column is missing.")))
    return columns, errors


def validate_rows(columns, header, body):
    labels = {target: header[index] for index, target in columns.items()}
    errors, pending, first_line_of = [], [], {}
    for line, record in body:
        if not any(cell.strip() for cell in record):
            continue  # spreadsheets leave empty lines behind
        if len(record) > len(header) and any(cell.strip() for cell in record[len(header):]):
            errors.append(RowError(line, "", _(
                "This line has %(found)d values; the header has %(expected)d.") % {
                    "found": len(record), "expected": len(header)}))
            continue
        raw = {target: (record[index].strip() if index < len(record) else "")
               for index, target in columns.items()}
        sku = raw["sku"].upper()
        if sku in first_line_of:
            errors.append(RowError(line, labels["sku"], _(
                "The SKU %(sku)s already appears on line %(line)d.") % {
                    "sku": sku, "line": first_line_of[sku]}))
        elif sku:
            first_line_of[sku] = line
        pending.append((line, sku, raw))
    if not pending and not errors:
        errors.append(RowError(None, "", _("The file has no product rows.")))
    existing = ProductModel.objects.in_bulk([entry[1] for entry in pending], field_name="sku")
    rows = []
    for line, sku, raw in pending:
        row, row_errors = validate_row(line, sku, raw, existing.get(sku), labels)
        errors.extend(row_errors)
        if row is not None:
            rows.append(row)
    if errors:
        # By line, then in the order of the file's columns.
        position = {name: index for index, name in enumerate(header)}
        return [], sorted(errors, key=lambda error: (error.line or 0,
                                                     position.get(error.column, len(header))))
    return rows, []


def validate_row(line, sku, raw, product, labels):
    """Runs the product form itself, so the rules are those of the product page.

    Columns absent from the file keep the product's current values (or the defaults for a
    new product); an empty currency does the same.
    """
    before = model_to_dict(product, fields=COLUMNS) if product else {}
    data = dict(before or DEFAULTS)
    errors, unreadable = [], set()
    for column, value in raw.items():
        label = labels[column]
        if column in ("end_of_life", "end_of_service"):
            value, error = parse_date(value)
        elif column == "list_price":
            value, error = parse_price(value)
        elif column in ("category", "quote_only_line"):
            value, error = parse_choice(column, value)
        elif column == "currency":
            value, error = (value.upper() or data.get("currency", "EUR")), None
            if not re.fullmatch(r"[A-Z]{3}", value):
                error = _("Enter a three-letter currency code such as EUR.")
        else:
            error = None
        if error:
            errors.append(RowError(line, label, error))
            unreadable.add(column)
        data[column] = value
    # The form still checks the other columns, so that the row's every error is reported.
    form = ProductModelForm(data=_as_form_data(data), instance=copy(product))
    if not form.is_valid():
        errors.extend(
            RowError(line, "" if name == "__all__" else labels.get(name, name), message)
            for name, messages in form.errors.items() if name not in unreadable
            for message in messages)
    if errors:
        return None, errors
    values = {column: form.cleaned_data[column] for column in COLUMNS if column != "sku"}
    changed = product is None or any(values[k] != before[k] for k in values)
    return CleanRow(line, sku, values, changed), []


def _as_form_data(data):
    return {key: ("" if value is None else value) for key, value in data.items()}


def parse_date(value):
    if not value:
        return None, None
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(value, pattern).date(), None
        except ValueError:
            continue
    return None, _("Enter a date as YYYY-MM-DD or DD/MM/YYYY.")


def parse_price(value):
    """1299.00, 1299,00, 1 299,00 or 1,299.00: the last `.` or `,` separates decimals."""
    cleaned = re.sub(r"[\s\u00a0\u202f']", "", value)
    if not cleaned:
        return "", None  # the form reports the missing price
    decimal_mark = max(cleaned.rfind("."), cleaned.rfind(","))
    if decimal_mark >= 0:
        whole, decimals = cleaned[:decimal_mark], cleaned[decimal_mark + 1:]
        cleaned = re.sub(r"[.,]", "", whole) + "." + decimals
    try:
        price = Decimal(cleaned)
    except InvalidOperation:
        price = None
    if price is None or not price.is_finite():
        return None, _("Enter a price such as 1299.00 or 1299,00.")
    return price, None


def parse_choice(column, value):
    choices = Category if column == "category" else QuoteOnlyLine
    value = value.lower()
    if value in choices.values:
        return value, None
    accepted = ", ".join(v for v in choices.values if v)
    if column == "quote_only_line":
        return None, _("Leave empty or use one of: %(values)s.") % {"values": accepted}
    return None, _("Use one of: %(values)s.") % {"values": accepted}


def apply_catalogue_rows(rows):
    """Creates or updates every row's product model, all of them or none."""
    result = ImportResult()
    with transaction.atomic():
        for row in rows:
            if not row.changed:
                result.unchanged += 1
                continue
            _product, created = ProductModel.objects.update_or_create(
                sku=row.sku, defaults=row.values)
            if created:
                result.created += 1
            else:
                result.updated += 1
            result.skus.append(row.sku)
    return result


def import_catalogue_csv(upload):
    """(result, []) once applied, or (None, errors) with nothing written."""
    rows, errors = parse_catalogue_csv(upload)
    if errors:
        return None, errors
    return apply_catalogue_rows(rows), []

