"""The branding page's previews: the header, the login page, an e-mail and the PDF report's
header, drawn with the form's values before they are saved (or with the saved branding)."""

import base64
import copy
import mimetypes
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from . import services
from .branding import logo_uri
from .models import Partner

PREVIEWED_FIELDS = ["name", "primary_colour", "accent_colour", "support_phone",
                    "support_email", "default_language", "date_order"]


def data_uri(upload):
    """A logo chosen in the form, not yet stored, shown inline (validated by the form)."""
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    # The type of its content, as the form named it (never what the browser said).
    content_type = mimetypes.guess_type(upload.name)[0] or "application/octet-stream"
    return f"data:{content_type};base64,{base64.b64encode(data).decode('ascii')}"


def previewed_brand(form, partner):
    """A copy of the partner with the form's values, never saved; with each logo's source:
    the stored one's address, the chosen file inline, or none when removed."""
    brand = copy.copy(partner)
    for field in PREVIEWED_FIELDS:
        if field in form.cleaned_data:
            setattr(brand, field, form.cleaned_data[field])
    return brand


def logo_sources(form, partner, urls):
    sources = {}
    for name, url in zip(("logo", "logo_on_dark"), urls, strict=True):
        value = form.cleaned_data.get(name) if form is not None else getattr(partner, name)
        if value is False or not value:
            sources[name] = ""
        elif hasattr(value, "content_type"):
            sources[name] = data_uri(value)
        else:
            sources[name] = url
    return sources


def preview_context(form, partner, logo_urls, *, unsaved):
    """What the previews show. `unsaved`: the form was sent to be previewed and is valid;
    otherwise the saved branding is shown."""
    brand = previewed_brand(form, partner) if unsaved else partner
    sources = logo_sources(form if unsaved else None, partner, logo_urls)
    on_dark = services.is_dark(brand.primary_colour) and bool(sources["logo_on_dark"])
    return {
        "brand": brand,
        "unsaved": unsaved,
        "chosen_files": unsaved and any(
            hasattr(form.cleaned_data.get(name), "content_type")
            for name in ("logo", "logo_on_dark")),
        "logo_src": sources["logo"],
        "header_logo_src": sources["logo_on_dark"] if on_dark else sources["logo"],
        "header_logo_on_dark": on_dark,
        "stylesheet": reverse("branding_preview_css") + "?" + urlencode(
            {"primary": brand.primary_colour, "accent": brand.accent_colour}),
        "warnings": services.contrast_warnings(brand.primary_colour, brand.accent_colour),
        "month": timezone.localdate().replace(day=1),
        "min_contrast": settings.BRANDING_MIN_CONTRAST,
    }


def preview_pdf(form, partner: Partner):
    """The PDF report's header with the form's values, as the report would print it."""
    from weasyprint import HTML

    brand = previewed_brand(form, partner)
    logo = form.cleaned_data.get("logo")
    if hasattr(logo, "content_type"):
        source = data_uri(logo)
    elif logo is False or not logo:
        source = ""
    else:
        source = logo_uri(partner)
    language = form.cleaned_data.get("default_language") or brand.default_language or "en"
    with translation.override(language):
        html = render_to_string("reporting/brand_preview_pdf.html", {
            "brand": brand, "logo_uri": source, "month": timezone.localdate().replace(day=1),
            "customer": {"name": _("Example customer")}, "report": {"status": "published"},
            "language": language})
    response = HttpResponse(HTML(string=html).write_pdf(), content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="branding-preview.pdf"'
    return response
