"""The report as a PDF (WeasyPrint), in the partner's branding and the customer's language."""

from django.core.files.base import ContentFile
from django.template.loader import render_to_string
from django.utils import translation

from portal.tenants.branding import current_brand, logo_uri

from .presentation import report_context


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
