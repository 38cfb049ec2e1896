"""Reading a Poly Lens export: its header mapped by name (the columns' names and the
partner's own, inventory.lens.headers; others skipped, once said to be ignored) and its
non-empty rows, as the csv module reads them. A file whose last row is cut off (a transfer
or a copy that stopped half-way) is refused with that row's line."""

import csv
import io

from django.conf import settings
from django.utils.translation import gettext as _

from portal.csvimport import (
    RowError,
    decode,
    gc_paused,
    map_header,
    read_text,
    size_error,
    sniff_delimiter,
)

from .columns import COLUMNS, LENS_ALIASES, LENS_COLUMNS, LENS_REQUIRED, field_label

DEFAULT_MAX_BYTES = 50 * 1024 * 1024


def max_bytes():
    return getattr(settings, "LENS_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES)


def read_lens_file(data, *, aliases=LENS_ALIASES):
    """(header, {index: field}, [(line, cells)] of non-empty rows, errors) of a stored
    export (bytes). `aliases`: the header names mapped, the partner's own included
    (inventory.lens.headers)."""
    error = size_error(len(data), max_bytes())
    if error:
        return [], {}, [], [error]
    text = decode(data)
    records, errors = read_text(text)
    if errors:
        return [], {}, [], errors
    header, body = records[0][1], records[1:]
    columns, errors = map_header(header, aliases, required=(), columns=LENS_COLUMNS,
                                 ignore_unknown=True)
    errors += missing_fields_errors(columns)
    if errors:
        return header, columns, [], errors
    error = cut_off_error(text, records)
    if error:
        return header, columns, [], [error]
    serial_at = next(index for index, field in columns.items() if field == "serial")
    with gc_paused():
        # The serial is there on almost every row: only a row without one is looked at whole.
        body = [record for record in body
                if (len(record[1]) > serial_at and record[1][serial_at].strip())
                or "".join(record[1]).strip()]
    if not body:
        return header, columns, [], [RowError(None, "", _("The file has no device rows."))]
    return header, columns, body, []


def missing_fields_errors(columns):
    """An error naming each required field that no column of the file gives, in the
    reader's language."""
    present = set(columns.values())
    return [RowError(1, field_label(field), _(
        "The file has no “%(field)s” column, which every export needs. Lens names it "
        "“%(english)s” in English, “%(french)s” in French.") % {
            "field": field_label(field), "english": COLUMNS[field].headers[0],
            "french": COLUMNS[field].headers[1]})
        for field in LENS_REQUIRED if field not in present]


def header_width(header):
    """The header's number of columns, without the empty names after its last one (a
    separator at the end of every line)."""
    width = len(header)
    while width and not header[width - 1].strip():
        width -= 1
    return width


def cut_off_error(text, records):
    """The error for a file whose last row is cut off, or None.

    A cut file reads without complaint: the csv module takes an open quote to run to the
    end of the file, and a short row as one whose last values are empty. Only the last row
    can be cut, so only it is held to the header (a short row further up stays a row whose
    last values are empty): a quoted value still open at the end of the file, or fewer
    values than the header has columns.
    """
    line, cells = records[-1]
    if line > 1 and _ends_inside_quotes(_text_from_line(text, line), sniff_delimiter(text)):
        return RowError(line, "", _(
            "A quoted value that starts on this line is never closed: the file seems cut "
            "off. Nothing was imported: export the file again."))
    line, cells = next(((line, cells) for line, cells in reversed(records)
                        if "".join(cells).strip()), records[0])
    expected = header_width(records[0][1])
    if line > 1 and len(cells) < expected:
        return RowError(line, "", _(
            "This last line has %(found)d values; the header has %(expected)d: the file "
            "seems cut off. Nothing was imported: export the file again.") % {
                "found": len(cells), "expected": expected})
    return None


def _text_from_line(text, line):
    """The text from the start of line `line` (1 for the first) to the end, looked for
    from the end: the last record is a line or a few."""
    start = len(text)
    for _newline in range(text.count("\n") - line + 2):
        start = text.rfind("\n", 0, start)
        if start == -1:
            break
    return text[start + 1:]


def _ends_inside_quotes(tail, delimiter):
    """Whether the csv module, reading `tail`, reaches its end inside a quoted value: read
    strictly, the text fails, and closing one quote at its end mends it."""
    def reads(text):
        try:
            for _cells in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter,
                                     strict=True):
                pass
        except csv.Error:
            return False
        return True
    return not reads(tail) and reads(tail + '"')
