"""A Poly Lens export read by PostgreSQL itself: how a file with nothing to report is
imported (the database path).

inventory.lens.reading and .checking read a file with Python's csv module and check it row
by row, which words every error with its line. A good file needs none of that: here it goes
as it is into a temporary table (COPY: PostgreSQL's own CSV reader, several times quicker),
each column is checked on its distinct values by its rule in inventory.lens.columns, and the
devices are written from a view over that table (inventory.lens.writing.apply_rows) that
reads each value with the column's SQL expression.

`import_file` answers None, having written nothing, when the file has something to report
or a form the two readers might not read alike; the caller then takes the row-by-row way,
which gives the same devices for a good file and every error for a bad one.
"""

import csv
import re
from dataclasses import dataclass

import psycopg
from django.db import DataError, connection, transaction

from portal.csvimport import decode, map_header, sniff_delimiter

from .checking import serials_of_other_customers
from .columns import (
    COLUMNS,
    LENS_ALIASES,
    LENS_COLUMNS,
    LENS_REQUIRED,
    MACS_PATTERN,
    SERIALS_PATTERN,
    Reading,
    read_distinct,
)
from .reading import header_width, max_bytes
from .writing import apply_rows

# COPY sends the file in blocks of this many characters.
COPY_BLOCK = 1 << 20
# On its own line, COPY takes it for the end of the data, where the csv module reads a
# value.
END_OF_DATA = re.compile(r"^\\\.\r?$", re.MULTILINE)


class RowByRow(Exception):
    """The file goes the row-by-row way: what was done here is rolled back."""


# What sends a file the row-by-row way. DataError: COPY refused a line (a value too many or
# too few, a stray carriage return), which the csv module may read, or report in its words.
READ_BY_PYTHON = (RowByRow, psycopg.DataError, DataError)


@dataclass
class LensFile:
    text: str
    header: list
    columns: dict  # {index in the row: field}
    delimiter: str

    def column(self, field):
        """The SQL name of the file's column for `field`, or None if the file lacks it."""
        index = next((index for index, name in self.columns.items() if name == field), None)
        return None if index is None else f"c{index}"


def import_file(customer, data, *, full_export, lens_import=None, now=None,
                aliases=LENS_ALIASES):
    """Imports a stored export (bytes) as the row-by-row way would: an ApplyResult, or None
    with nothing written. Raises writing.ImportConflict as writing.apply_rows does.
    `aliases`: the header names mapped, the partner's own included (inventory.lens.headers)."""
    if len(data) > max_bytes():
        return None
    lens_file = read_alike(decode(data), aliases)
    if lens_file is None:
        return None
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            return _import(cursor, customer, lens_file, full_export=full_export,
                           lens_import=lens_import, now=now)
    except READ_BY_PYTHON:
        return None


def read_alike(text, aliases=LENS_ALIASES):
    """The file, if both readers read it alike; else None.

    They differ on a quote inside an unquoted value (a character for the csv module, the
    start of a quoted part for COPY), on a line holding only `\\.`, on blank lines, and on
    values over the csv module's size limit (checked later, per column).
    """
    if text is None or not text.strip():
        return None
    text = text.rstrip("\r\n")  # trailing blank lines: skipped by one, refused by the other
    end = text.find("\n")
    header_line = (text if end == -1 else text[:end]).removesuffix("\r")
    if not header_line.strip() or "\r" in header_line:
        return None
    delimiter = sniff_delimiter(header_line)
    if not _quotes_read_alike(text, delimiter):
        return None
    if "\\." in text and END_OF_DATA.search(text):
        return None
    header = next(csv.reader([header_line], delimiter=delimiter))
    columns, errors = map_header(header, aliases, required=LENS_REQUIRED,
                                 columns=LENS_COLUMNS, ignore_unknown=True)
    if errors or _last_line_short(text, delimiter, header):
        return None
    return LensFile(text=text, header=header, columns=columns, delimiter=delimiter)


def _last_line_short(text, delimiter, header):
    """Whether the last line has fewer values than the header: the file may be cut off,
    which the row-by-row way words with its line. COPY would refuse the line too; this
    does not leave it to COPY. (A quote still open at the end fails _quotes_read_alike.)"""
    last = text[text.rfind("\n") + 1:].removesuffix("\r")
    return len(next(csv.reader([last], delimiter=delimiter))) < header_width(header)


def _quotes_read_alike(text, delimiter):
    """Whether every line holding a quote is a whole record whose quotes both readers read
    alike: each quoted value opens its field and closes before the next delimiter.

    A quoted value spanning lines fails too: the line-by-line check cannot follow it.
    """
    d = re.escape(delimiter)
    field = rf'(?:"(?:[^"]|"")*"|[^"{d}\r\n]*)'
    record = re.compile(rf"{field}(?:{d}{field})*")
    position = text.find('"')
    while position != -1:
        start = text.rfind("\n", 0, position) + 1
        end = text.find("\n", position)
        end = len(text) if end == -1 else end
        if not record.fullmatch(text, start, end - (text[end - 1] == "\r")):
            return False
        position = text.find('"', end)
    return True


def _import(cursor, customer, lens_file, *, full_export, lens_import, now):
    count = stage(cursor, customer, lens_file)
    result = apply_rows(cursor, "lens_rows", count, customer, full_export=full_export,
                             now=now, lens_import=lens_import)
    cursor.execute("DROP VIEW lens_rows")
    cursor.execute("DROP TABLE lens_raw, lens_models, lens_seen")
    return result


def stage(cursor, customer, lens_file):
    """Copies and checks the file, and defines the view `lens_rows` of its rows as
    inventory.lens.writing.apply_rows reads them; answers their number. Raises RowByRow."""
    width = len(lens_file.header)
    cursor.execute("CREATE TEMPORARY TABLE lens_raw ("
                   + ", ".join(f"c{index} text" for index in range(width))
                   + ") ON COMMIT DROP")
    delimiter = {",": "','", ";": "';'", "\t": "E'\\t'"}[lens_file.delimiter]
    with cursor.copy("COPY lens_raw FROM STDIN "
                     f"(FORMAT csv, HEADER true, DELIMITER {delimiter})") as copy:
        text = lens_file.text
        for offset in range(0, len(text), COPY_BLOCK):
            copy.write(text[offset:offset + COPY_BLOCK])

    checked = _check_serials_and_macs(cursor, customer, lens_file)
    values = _distinct_values(cursor, lens_file)
    reading = Reading(customer)

    product_of = read_distinct("model", values["model"], reading)
    if product_of is None:
        raise RowByRow
    cursor.execute("CREATE TEMPORARY TABLE lens_models (value text, product_model_id bigint) "
                   "ON COMMIT DROP")
    cursor.execute("INSERT INTO lens_models SELECT * FROM unnest(%s::text[], %s::bigint[])",
                   [list(product_of), list(product_of.values())])

    expressions = {"serial": checked.serial_expression}
    for field in ("site", "room", "firmware"):
        stripped = read_distinct(field, values[field], reading)
        if stripped is None or any(value != text for value, text in stripped.items()):
            raise RowByRow  # too long, or to be trimmed
        expressions[field] = COLUMNS[field].sql(_text(lens_file, field))

    expressions["mac"] = checked.mac_expression

    seen_of = read_distinct("last_detected", values["last_detected"], reading)
    if seen_of is None:
        raise RowByRow
    cursor.execute("CREATE TEMPORARY TABLE lens_seen (value text, seen timestamptz) "
                   "ON COMMIT DROP")
    # Two texts of a value a line: much quicker to send than arrays. No value holds a line
    # break (see _quotes_read_alike).
    cursor.execute("INSERT INTO lens_seen SELECT value, NULLIF(seen, '')::timestamptz "
                   "FROM unnest(string_to_array(%s, chr(10)), string_to_array(%s, chr(10))) "
                   "AS v(value, seen)", ["\n".join(seen_of), "\n".join(seen_of.values())])

    # With their sizes known, the planner joins these tables by hashing; without, it may
    # sort a hundred thousand values for a merge join instead.
    cursor.execute("ANALYZE lens_models, lens_seen")
    cursor.execute(f"""
        CREATE TEMPORARY VIEW lens_rows AS
        SELECT {expressions['serial']} AS serial, m.product_model_id,
               {expressions['site']} AS site, {expressions['room']} AS room,
               {expressions['mac']} AS mac, {expressions['firmware']} AS firmware,
               s.seen AS last_seen
        FROM lens_raw r
        JOIN lens_models m ON m.value = {_text(lens_file, 'model')}
        LEFT JOIN lens_seen s ON s.value = {_text(lens_file, 'last_detected')}
    """)
    return checked.count


def _text(lens_file, field):
    """The file's value for `field` as the csv module gives it: "" when empty or absent."""
    column = lens_file.column(field)
    return "''::text" if column is None else f"COALESCE(r.{column}, '')"


@dataclass
class Checked:
    count: int
    serial_expression: str  # the serial, upper-cased as the row-by-row check does
    mac_expression: str  # the MAC address as stored


def _check_serials_and_macs(cursor, customer, lens_file):
    """Checks the two columns whose values are (almost) all distinct on the whole column,
    in one string each: every serial there, well formed, listed once and not another
    customer's; every MAC address empty or well formed. Raises RowByRow otherwise, or for a
    value over the csv module's size limit.

    Both are upper-cased in SQL as in Python: ASCII letters only.
    """
    serial = f"r.{lens_file.column('serial')}"
    mac = _text(lens_file, "mac")
    # The columns not checked for themselves: only their length matters.
    others = [f"max(length(r.c{index}))" for index in range(len(lens_file.header))
              if index not in lens_file.columns]
    longest = f"GREATEST({', '.join(others)})" if others else "0"
    cursor.execute(f"SELECT count(*), count({serial}), string_agg({serial}, chr(10)), "
                   f"string_agg({mac}, chr(10)), {longest} FROM lens_raw r")
    count, present, serials_text, macs_text, longest = cursor.fetchone()
    if not count or present != count or (longest or 0) > csv.field_size_limit():
        raise RowByRow  # no rows (an error), or a row without a serial (blank or an error)
    if not serials_text.isascii() or not macs_text.isascii():
        raise RowByRow
    serials_upper, macs_upper = serials_text.upper(), macs_text.upper()
    serials = serials_upper.split("\n")
    if (not SERIALS_PATTERN.fullmatch(serials_upper) or len(set(serials)) != count
            or not MACS_PATTERN.fullmatch(macs_upper)
            or serials_of_other_customers(customer, serials)):
        raise RowByRow
    return Checked(
        count=count,
        serial_expression=(serial if serials_upper == serials_text
                           else COLUMNS["serial"].sql(serial)),
        mac_expression=mac if macs_upper == macs_text else COLUMNS["mac"].sql(mac))


def _distinct_values(cursor, lens_file):
    """{field: set of the distinct values of its column} ({""} for a column the file lacks),
    in one query."""
    fields = ["model", "site", "room", "firmware", "last_detected"]
    present = [field for field in fields if lens_file.column(field) is not None]
    cursor.execute(" UNION ALL ".join(
        f"(SELECT {position}, {_text(lens_file, field)} FROM lens_raw r GROUP BY 2)"
        for position, field in enumerate(present)))
    values = {field: set() if field in present else {""} for field in fields}
    for position, value in cursor.fetchall():
        values[present[position]].add(value)
    return values
