"""The report as a PDF (WeasyPrint), in the partner's branding and the customer's language."""

import base64
import mimetypes

from django.core.files.base import ContentFile
from django.template.loader import render_to_string
from django.utils import translation

from portal.storage import read_bytes
from portal.tenants.branding import current_brand

from .presentation import report_context


def logo_uri(brand):
    """The logo inline, as a data: URI, for WeasyPrint: no request to the web server, and
    no local path (the worker rendering the PDF may not share a disk with the web server)."""
    if not brand.logo:
        return ""
    try:
        data = read_bytes(brand.logo)
    except FileNotFoundError:
        return ""
    content_type = mimetypes.guess_type(brand.logo.name)[0] or "application/octet-stream"
    return f"data:{content_type};base64,{base64.b64encode(data).decode('ascii')}"


def render_report_html(report, brand=None):
    brand = brand or current_brand()
    language = report.customer.language or brand.default_language or "en"
    with translation.override(language):
        context = report_context(report, brand)
        return render_to_string("reporting/report_pdf.html", {
            **context, "brand": brand, "logo_uri": logo_uri(brand), "language": language})


def render_report_pdf(report, brand=None):
    from weasyprint import HTML

    html = render_report_html(report, brand)
    return ContentFile(HTML(string=html).write_pdf(), name="report.pdf")
