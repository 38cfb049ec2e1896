import copy
import re

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_POST

from portal import formats
from portal.users.access import (
    PARTNER_ADMIN,
    anonymous_allowed,
    role_required,
)

from . import previews, services
from .branding import current_brand
from .forms import BrandingForm

COLOUR = re.compile(r"#[0-9a-fA-F]{6}")


def branding_form(request, form_class, partner, logo_urls):
    """The branding form of `partner`, bound when sent. Its instance is a copy: an unsaved
    value never reaches the page's own header."""
    form = form_class(request.POST or None, request.FILES or None,
                      instance=copy.copy(partner))
    form.set_logo_urls(*logo_urls)
    return form


def save_or_preview(request, form, partner, logo_urls):
    """Saves a valid form (returns None), or the previews' context: of the form's values
    when it was sent to be previewed, of the saved branding otherwise."""
    previewing = "preview" in request.POST
    if request.method == "POST" and form.is_valid():
        if not previewing:
            services.update_branding(partner, form.cleaned_data)
            for warning in services.contrast_warnings(partner.primary_colour,
                                                      partner.accent_colour):
                messages.warning(request, contrast_message(warning))
            return None
        return previews.preview_context(form, partner, logo_urls, unsaved=True)
    return previews.preview_context(form, partner, logo_urls, unsaved=False)


def contrast_message(warning):
    return _("%(pair)s has a contrast of %(ratio)s:1, below the %(minimum)s:1 that makes "
             "text easy to read (WCAG AA).") % {
        "pair": warning["label"], "ratio": formats.number(warning["ratio"], 2),
        "minimum": formats.number(settings.BRANDING_MIN_CONTRAST, 1)}


def portal_logo_urls(partner):
    version = f"?v={int(partner.updated_at.timestamp() * 1e6)}" if partner.updated_at else ""
    return reverse("branding_logo") + version, reverse("branding_logo_dark") + version


@role_required(*PARTNER_ADMIN)
def branding_edit(request):
    partner = current_brand()
    logo_urls = portal_logo_urls(partner)
    form = branding_form(request, BrandingForm, partner, logo_urls)
    preview = save_or_preview(request, form, partner, logo_urls)
    if preview is None:
        messages.success(request, _("The branding has been saved."))
        return redirect("branding_edit")
    return render(request, "tenants/branding_form.html", {
        "form": form, "partner": partner, "preview": preview,
        "preview_pdf_url": reverse("branding_preview_pdf")})


@role_required(*PARTNER_ADMIN)
@require_POST
def branding_preview_pdf(request):
    """The PDF report's header with the form's values, saving nothing."""
    partner = current_brand()
    logo_urls = portal_logo_urls(partner)
    form = branding_form(request, BrandingForm, partner, logo_urls)
    if not form.is_valid():
        return render(request, "tenants/branding_form.html", {
            "form": form, "partner": partner,
            "preview": previews.preview_context(form, partner, logo_urls, unsaved=False),
            "preview_pdf_url": reverse("branding_preview_pdf")}, status=400)
    return previews.preview_pdf(form, partner)


def image_type(head):
    """The content type of an image from its first bytes (PNG, JPEG, GIF or WebP); anything
    else is served as bytes a browser will not render."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return "application/octet-stream"


def logo_response(partner, field="logo"):
    logo = getattr(partner, field)
    if not logo:
        raise Http404
    try:
        handle = logo.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    # The type follows the content, never the stored name.
    content_type = image_type(handle.read(12))
    handle.seek(0)
    return FileResponse(handle, content_type=content_type)


@anonymous_allowed
@require_GET
@cache_control(public=True, max_age=3600)
def logo(request):
    """The logo of the portal being served; the login page shows it to everyone."""
    return logo_response(current_brand())


@anonymous_allowed
@require_GET
@cache_control(public=True, max_age=3600)
def logo_on_dark(request):
    """The logo for dark backgrounds, which the header shows on a dark primary colour."""
    return logo_response(current_brand(), "logo_on_dark")


@anonymous_allowed
@require_GET
@cache_control(public=True, max_age=24 * 3600)
def colours(request):
    """The portal's brand colours as CSS variables: a stylesheet of its own, because the
    Content-Security-Policy refuses inline styles. Linked with the branding's version, so a
    change is seen at once despite the caching."""
    brand = current_brand()
    css = (f":root {{ --brand-primary: {brand.primary_colour}; "
           f"--brand-accent: {brand.accent_colour}; }}\n")
    return HttpResponse(css, content_type="text/css; charset=utf-8")


@anonymous_allowed
@require_GET
@cache_control(public=True, max_age=24 * 3600)
def preview_colours(request):
    """The colours of the branding page's previews, scoped to them: the values come from
    the address (a form's, not yet saved), and only well-formed colours are written."""
    primary, accent = request.GET.get("primary", ""), request.GET.get("accent", "")
    if not (COLOUR.fullmatch(primary) and COLOUR.fullmatch(accent)):
        raise Http404
    css = (f".brand-preview {{ --brand-primary: {primary}; --brand-accent: {accent}; }}\n")
    return HttpResponse(css, content_type="text/css; charset=utf-8")
