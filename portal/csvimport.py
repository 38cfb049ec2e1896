"""Reading an uploaded CSV file, whatever it will be used for.

What every import shares: the size limit, the encoding (UTF-8 with or without a byte-order
mark, else Windows-1252), the separator (`,`, `;` or tab, read from the header line), and
the header mapped by name through aliases, never by position. Errors name the line of the
file (line 1 is the header) and the column as the file spells it.
"""

import csv
import gc
import io
import re
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass

from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class RowError:
    line: int | None  # None: the file as a whole
    column: str
    message: str

    def as_dict(self):
        return {"line": self.line, "column": self.column, "message": str(self.message)}


def size_error(size, limit):
    """The error for a file over `limit` bytes, or None."""
    if size <= limit:
        return None
    return RowError(None, "", _("The file is %(size)s; the limit is %(limit)s.") % {
        "size": filesizeformat(size), "limit": filesizeformat(limit)})


def read_upload(upload, limit):
    """([(line, cells)], []) for a readable file, or ([], [the error]) otherwise.

    `upload` is a Django file (an upload or a stored file) or plain bytes.
    """
    size = len(upload) if isinstance(upload, bytes) else upload.size
    error = size_error(size, limit)
    if error:
        return [], [error]
    if isinstance(upload, bytes):
        raw = upload
    else:
        upload.seek(0)
        raw = upload.read()
    return read_text(decode(raw))


def read_text(text):
    if text is None:
        return [], [RowError(None, "", _(
            "The file could not be read as text. Save it as CSV in UTF-8 or Windows-1252."))]
    if not text.strip():
        return [], [RowError(None, "", _("The file is empty."))]
    try:
        return read_records(text), []
    except csv.Error as exc:
        return [], [RowError(None, "", _("The file is not valid CSV: %(error)s") % {
            "error": exc})]


def decode(raw):
    """UTF-8 (with or without a byte-order mark), else Windows-1252; None if neither fits.

    Windows-1252 gives a meaning to almost every byte, so text in another encoding (UTF-16
    from some spreadsheets) would be read as garbage: a NUL character, which no CSV text
    holds, gives it away.
    """
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None  # a UTF-16 or UTF-32 byte-order mark
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        return None if "\x00" in text else text
    return None


@contextmanager
def gc_paused():
    """Reading a large file makes millions of small lists and strings, none of them in a
    reference cycle; Python's cycle collector would run over and over meanwhile, and take
    more time than the reading itself."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def read_records(text):
    """[(line where the record starts, cells)]; a quoted value may span several lines."""
    with gc_paused():
        return _read_records(text)


def _read_records(text):
    delimiter = sniff_delimiter(text)
    records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    if len(records) == text.count("\n") + (not text.endswith("\n")):
        # One record per line (no value spans lines): the lines are simply counted, which
        # matters for files of a hundred thousand lines.
        return list(enumerate(records, start=1))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    records, next_line = [], 1
    for cells in reader:
        records.append((next_line, cells))
        next_line = reader.line_num + 1
    return records


def sniff_delimiter(text):
    """The most frequent of `,`, `;` and tab on the header line; `,` when none is.

    Spreadsheets in French locales save with `;`; some exports use tabs.
    """
    first_line = text.lstrip("\ufeff").splitlines()[0]
    counts = {",": first_line.count(","), ";": first_line.count(";"),
              "\t": first_line.count("\t")}
    best = max(counts, key=lambda delimiter: counts[delimiter])
    return best if counts[best] > counts[","] else ","


def normalise_header(name):
    """Lower case, without accents, spaces, hyphens and apostrophes as `_`: "Numéro de
    série" and "numero_de_serie" are the same column, and so are "Nom de l’appareil" and
    "nom de l'appareil"."""
    name = unicodedata.normalize("NFKD", name.strip().casefold())
    name = "".join(ch for ch in name if not unicodedata.combining(ch))
    return re.sub(r"[\s\-'’]+", "_", name)


def map_header(header, aliases, *, required, columns, ignore_unknown=False):
    """({index in the row: field name}, errors) for a header line.

    `aliases` maps normalised header names to field names; `columns` are the names listed
    when a column is unknown. With `ignore_unknown`, columns without an alias are skipped
    (exports that carry more than we use); otherwise each is an error.
    """
    mapped, errors, seen = {}, [], {}
    for index, name in enumerate(header):
        if not name.strip():
            continue
        target = aliases.get(normalise_header(name))
        if target is None:
            if not ignore_unknown:
                errors.append(RowError(1, name, _(
                    "Unknown column. The columns are: %(columns)s.") % {
                        "columns": ", ".join(columns)}))
        elif target in seen:
            errors.append(RowError(1, name, _(
                "This column repeats the column “%(other)s”.") % {"other": seen[target]}))
        else:
            seen[target] = name
            mapped[index] = target
    for column in required:
        if column not in seen:
            errors.append(RowError(1, column, _("This column is missing.")))
    return mapped, errors


def aliases_for(names):
    """{normalised alias: field} from {field: [header names as people write them]}."""
    return {normalise_header(alias): field
            for field, spellings in names.items() for alias in [field, *spellings]}


def extra_values_error(line, record, header):
    """The error for a line with more values than the header has columns, or None.

    Trailing empty values are tolerated: exports often end every line with a separator.
    """
    if len(record) > len(header) and any(cell.strip() for cell in record[len(header):]):
        return RowError(line, "", _(
            "This line has %(found)d values; the header has %(expected)d.") % {
                "found": len(record), "expected": len(header)})
    return None


def sort_errors(errors, header):
    """By line, then in the order of the file's columns."""
    position = {name: index for index, name in enumerate(header)}
    return sorted(errors, key=lambda error: (error.line or 0,
                                             position.get(error.column, len(header))))
