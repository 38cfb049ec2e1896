"""Reading a Poly Lens export: its header mapped by name (unknown columns ignored) and its
non-empty rows, as the csv module reads them."""

from django.conf import settings
from django.utils.translation import gettext as _

from portal.csvimport import RowError, gc_paused, map_header, read_upload

from .columns import LENS_ALIASES, LENS_COLUMNS, LENS_REQUIRED

DEFAULT_MAX_BYTES = 50 * 1024 * 1024


def max_bytes():
    return getattr(settings, "LENS_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES)


def read_lens_file(upload):
    """(header, {index: field}, [(line, cells)] of non-empty rows, errors)."""
    records, errors = read_upload(upload, max_bytes())
    if errors:
        return [], {}, [], errors
    header, body = records[0][1], records[1:]
    columns, errors = map_header(header, LENS_ALIASES, required=LENS_REQUIRED,
                                 columns=LENS_COLUMNS, ignore_unknown=True)
    if errors:
        return header, columns, [], errors
    serial_at = next(index for index, field in columns.items() if field == "serial")
    with gc_paused():
        # The serial is there on almost every row: only a row without one is looked at whole.
        body = [record for record in body
                if (len(record[1]) > serial_at and record[1][serial_at].strip())
                or "".join(record[1]).strip()]
    if not body:
        return header, columns, [], [RowError(None, "", _("The file has no device rows."))]
    return header, columns, body, []
