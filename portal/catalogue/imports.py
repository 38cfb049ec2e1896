"""Importing the catalogue from a CSV file: every row is checked before anything is written.

`parse_catalogue_csv` reads the upload (with portal.csvimport) and answers either the clean
rows or every error found (line 1 is the header); `apply_catalogue_rows` writes clean rows in
one transaction. Unknown columns are refused: a misspelt column would otherwise be lost.
The columns are those of the catalogue's CSV export, so an export can be imported as-is.
"""

import re
from copy import copy
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.forms.models import model_to_dict
from django.utils.translation import gettext as _

from portal import csvimport
from portal.csvimport import RowError, extra_values_error, read_upload, sort_errors

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
    records, errors = read_upload(upload, max_bytes())
    if errors:
        return [], errors
    (_first, header), body = records[0], records[1:]
    columns, errors = map_header(header)
    if errors:
        return [], errors
    return validate_rows(columns, header, body)


def map_header(header):
    """{index in the row: field name}, or the errors that make the header unusable."""
    return csvimport.map_header(header, ALIASES, required=REQUIRED_COLUMNS, columns=COLUMNS)


def validate_rows(columns, header, body):
    labels = {target: header[index] for index, target in columns.items()}
    errors, pending, first_line_of = [], [], {}
    for line, record in body:
        if not any(cell.strip() for cell in record):
            continue  # spreadsheets leave empty lines behind
        extra = extra_values_error(line, record, header)
        if extra:
            errors.append(extra)
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
        return [], sort_errors(errors, header)
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

