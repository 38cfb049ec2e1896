"""Columns of a Lens export that no alias knows (inventory.lens.columns).

Such a column is never dropped silently: a French export whose firmware column goes by a
name of its own would import "successfully" with every firmware version empty. Before
anything is applied, the import stops with these columns and a few of their values
(`review_header`); someone of the partner says what each holds, or that it is to be
ignored (`settle`), and the answer is kept (`LensHeaderMapping`) for the partner's later
files, which both ways of reading a file then map by (`aliases`).
"""

import csv
import io
from itertools import islice

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from portal.csvimport import decode, normalise_header, sniff_delimiter

from ..models import LensHeaderMapping, LensImport
from .columns import COLUMNS, LENS_ALIASES, NOT_KEPT

# The rows looked at for sample values, and the values shown per column.
SAMPLE_ROWS = 50
SAMPLES_PER_COLUMN = 3
# The start of the file they are looked for in, in characters: a file of a hundred
# thousand rows is parsed once, by the import itself, not here too.
HEAD_CHARS = 1 << 16


def remembered():
    """{normalised header: field, or "" for a column to ignore} of the partner."""
    return dict(LensHeaderMapping.objects.values_list("key", "field"))


def aliases(mappings):
    """The names both readers map a header by: the columns' own, then the partner's."""
    known = dict(LENS_ALIASES)
    for key, field in mappings.items():
        if field in COLUMNS:
            known.setdefault(key, field)
    return known


def is_settled(key, mappings):
    return key in LENS_ALIASES or key in NOT_KEPT or key in mappings


def review_header(data, mappings):
    """([{"header": name, "samples": [values]}] of the file's columns known by no name,
    [the fields no column of the file gives, which they may be mapped to]), or ([], [])
    when every column is known, or when the file cannot be read (which the import
    reports as usual)."""
    text = decode(data)
    if text is None or not text.strip():
        return [], []
    head = text[:HEAD_CHARS]
    if "\n" not in head:
        head = text  # a header line longer than that: read it whole
    for part in dict.fromkeys([head, text]):  # the whole file if its start reads badly
        try:
            return _review(part, mappings, cut=len(part) < len(text))
        except csv.Error:
            continue
    return [], []


def _review(text, mappings, *, cut):
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text))
    unknown, present = {}, set()
    for index, name in enumerate(next(reader, [])):
        key = normalise_header(name)
        if not name.strip():
            continue
        if not is_settled(key, mappings):
            unknown.setdefault(key, (index, name.strip()))
        elif key in LENS_ALIASES or mappings.get(key):
            present.add(LENS_ALIASES.get(key) or mappings[key])
    if not unknown:
        return [], []
    rows = list(islice(reader, SAMPLE_ROWS + 1))
    if cut and len(rows) <= SAMPLE_ROWS:
        rows.pop()  # the text ends within it: it may be cut short
    samples = {index: [] for index, _name in unknown.values()}
    for cells in rows[:SAMPLE_ROWS]:
        for index, values in samples.items():
            value = cells[index].strip() if index < len(cells) else ""
            if value and value not in values and len(values) < SAMPLES_PER_COLUMN:
                values.append(value[:80])
    return ([{"header": name, "samples": samples[index]} for index, name in unknown.values()],
            [field for field in COLUMNS if field not in present])


def settle(lens_import_id, decisions, user=None):
    """Keeps what each column of an import waiting on its columns holds and puts the
    import back in the queue; answers it. `decisions` is {header as the file names it:
    a field of `mappable_fields`, or "" to ignore the column}, one for every column listed.

    Raises ValidationError, with nothing kept, for an import no longer waiting, a column
    left out, or a field it may not be mapped to or given twice.
    """
    with transaction.atomic():
        lens_import = LensImport.objects.select_for_update().get(pk=lens_import_id)
        if lens_import.status != LensImport.Status.NEEDS_MAPPING:
            raise ValidationError(_("This import no longer waits for its columns to be "
                                    "mapped."))
        errors, taken = {}, {}
        headers = [column["header"] for column in lens_import.unknown_headers]
        for header in headers:
            if header not in decisions or decisions[header] is None:
                errors[header] = [_("Map this column to a field or ignore it.")]
                continue
            field = decisions[header]
            if field and field not in lens_import.mappable_fields:
                errors[header] = [_("“%(field)s” is not a field this column can hold.") % {
                    "field": field}]
            elif field in taken:
                errors[header] = [_("The column “%(other)s” holds this field already.") % {
                    "other": taken[field]}]
            elif field:
                taken[field] = header
        for header in decisions:
            if header not in headers:
                errors[header] = [_("The file has no column to map by this name.")]
        if errors:
            raise ValidationError(errors)
        for header in headers:
            LensHeaderMapping.objects.update_or_create(
                key=normalise_header(header),
                defaults={"header": header, "field": decisions[header], "updated_by": user})
        lens_import.status = LensImport.Status.QUEUED
        lens_import.unknown_headers, lens_import.mappable_fields = [], []
        lens_import.save(update_fields=["updated_at", "status", "unknown_headers",
                                        "mappable_fields"])
    return lens_import
