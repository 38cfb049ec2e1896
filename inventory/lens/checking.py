"""Checking the rows of a Poly Lens export against the rules of its columns
(inventory.lens.columns) and the customer's inventory: every serial listed once, and none
of them another customer's device."""

from operator import itemgetter

from django.db import connection
from django.utils.translation import gettext as _

from portal.csvimport import RowError, extra_values_error, gc_paused, sort_errors

from ..services import owners_by_serial
from .columns import COLUMNS, SERIALS_PATTERN, Reading, read_distinct, read_serial

PROGRESS_EVERY = 1000
# The columns read value by value, in the order of a row's values after its serial.
VALUE_FIELDS = ["model", "site", "room", "mac", "firmware", "last_detected"]


def serials_of_other_customers(customer, serials):
    """How many of `serials` are devices of another customer than `customer`.

    A count rather than EXISTS: planned for one early match, EXISTS probes the index once
    per serial, several times slower than the hash join a count gets when there is none.
    """
    if not serials:
        return 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM unnest(string_to_array(%s, chr(10))) AS f(serial) "
                       "JOIN inventory_device d ON d.serial = f.serial "
                       "WHERE d.customer_id <> %s", ["\n".join(serials), customer.pk])
        return cursor.fetchone()[0]


def validate_lens_rows(customer, header, columns, body, *, progress=None):
    """(rows, []) when every row can be applied, otherwise ([], every error).

    A row is a tuple in the order of STAGING_COLUMNS. `progress(n)` is called as the rows
    are checked, and with the number of rows at the end. Quote-only and end-of-life models
    are accepted: they exist in the customer's inventory, and are reported as not covered.

    Written for speed (a hundred thousand rows): a file is first checked column by column
    (`_check_columns`); only a file with something to report is checked row by row, which
    words every error with its line.
    """
    with gc_paused():
        rows = _check_columns(customer, header, columns, body)
        if rows is not None:
            if progress is not None:
                progress(len(body))
            return rows, []
        return _validate_lens_rows(customer, header, columns, body, progress)


def _check_columns(customer, header, columns, body):
    """The rows, exactly as `_validate_lens_rows` makes them, when every value passes its
    check; None as soon as one does not.

    Each check runs once per column, or once per distinct value (models, MAC addresses and
    dates repeat), in C where it can: a Python loop over every row costs more than the
    rest of the import's Python. The rules are the columns' own.
    """
    count, width = len(body), len(header)
    records = [cells for _line, cells in body]
    uniform = set(map(len, records)) == {width}
    if not uniform and any(cell.strip() for cells in records if len(cells) > width
                           for cell in cells[width:]):
        return None  # values past the header's last column: an error

    def column(field):
        index = next((index for index, name in columns.items() if name == field), None)
        if index is None:
            return [""] * count
        if uniform:
            return list(map(itemgetter(index), records))
        return [cells[index] if index < len(cells) else "" for cells in records]

    # All the serials in one string, one per line: normalised and matched in one call each.
    # A value holding whitespace (a line break above all) does not match: it goes row by
    # row, where the serial's own rule removes it.
    serials_text = "\n".join(column("serial")).upper()
    serials = serials_text.split("\n")
    if (len(serials) != count or not SERIALS_PATTERN.fullmatch(serials_text)
            or len(set(serials)) != count or serials_of_other_customers(customer, serials)):
        return None

    reading = Reading(customer)
    values = []
    for field in VALUE_FIELDS:
        cells = column(field)
        stored = read_distinct(field, set(cells), reading)
        if stored is None:
            return None
        if any(value != text for value, text in stored.items()):
            cells = list(map(stored.__getitem__, cells))
        values.append(cells)
    return list(zip(serials, *values, strict=True))


def _validate_lens_rows(customer, header, columns, body, progress):
    labels = {field: header[index] for index, field in columns.items()}
    index_of = {field: index for index, field in columns.items()}
    reading = Reading(customer)
    width = len(header)
    # Every row gets at least one empty value past the header's last column: a column the
    # file lacks, or a short row, reads as that empty value.
    serial_at = index_of["serial"]
    reads = [(field, COLUMNS[field].read, index_of.get(field, width), {})
             for field in VALUE_FIELDS]

    extra_values = {}
    for position, (line, cells) in enumerate(body):
        if len(cells) > width:
            error = extra_values_error(line, cells, header)
            if error:
                extra_values[position] = error
        else:
            cells.extend([""] * (width + 1 - len(cells)))
    serials = [read_serial(cells[serial_at]) for _line, cells in body]
    owners = owners_by_serial({serial for serial, _message in serials if serial})
    errors, rows, first_line_of = [], [], {}

    for position, ((line, cells), (serial, message)) in enumerate(zip(body, serials,
                                                                        strict=True)):
        if progress is not None and position and position % PROGRESS_EVERY == 0:
            progress(position)
        if extra_values and position in extra_values:
            errors.append(extra_values[position])
            continue
        row_errors = []
        if message is not None:
            row_errors.append(RowError(line, labels["serial"], message))
        elif serial in first_line_of:
            row_errors.append(RowError(line, labels["serial"], _(
                "The serial number %(serial)s already appears on line %(line)d.") % {
                    "serial": serial, "line": first_line_of[serial]}))
        else:
            first_line_of[serial] = line
            owner = owners.get(serial)
            if owner is not None and owner != customer.pk:
                # Never say which customer: it is someone else's organisation.
                row_errors.append(RowError(line, labels["serial"], _(
                    "This serial number is already registered to another customer. "
                    "Contact support if the device is yours.")))
        row = [serial]
        for field, read, index, known in reads:
            value = cells[index]
            if value not in known:  # models, sites and dates repeat: read once each
                known[value] = read(value, reading)
            stored, message = known[value]
            if message is not None:
                row_errors.append(RowError(line, labels[field], message))
            row.append(stored)
        if row_errors:
            errors.extend(row_errors)
        elif not errors:  # once a row is wrong, only errors matter
            rows.append(tuple(row))
    if progress is not None:
        progress(len(body))
    if errors:
        return [], sort_errors(errors, header)
    return rows, []
