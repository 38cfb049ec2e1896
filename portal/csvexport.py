import csv

from django.http import HttpResponse
from django.utils.functional import Promise

# A spreadsheet reads a cell that starts with one of these as a formula (OWASP, "CSV
# injection"): a ticket subject such as =HYPERLINK(...) would run on the reader's machine.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """Text as text: a leading single quote keeps a spreadsheet from reading it as a
    formula. Numbers and dates the portal writes itself are not text and stay as they are."""
    if isinstance(value, str | Promise):
        text = str(value)
        return "'" + text if text.startswith(FORMULA_STARTS) else text
    return value


def csv_response(filename, header, rows):
    """Every list's CSV export: a header line, then one line per row."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(header)
    writer.writerows([safe_cell(value) for value in row] for row in rows)
    return response
