import csv

from django.http import HttpResponse


def csv_response(filename, header, rows):
    """Every list's CSV export: a header line, then one line per row."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(header)
    writer.writerows(rows)
    return response
