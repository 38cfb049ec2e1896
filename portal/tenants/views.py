from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from portal.users.access import (
    PARTNER_ADMIN,
    anonymous_allowed,
    role_required,
)

from . import services
from .branding import current_brand
from .forms import BrandingForm


@role_required(*PARTNER_ADMIN)
def branding_edit(request):
    partner = current_brand()
    form = BrandingForm(request.POST or None, request.FILES or None, instance=partner)
    if request.method == "POST" and form.is_valid():
        services.update_branding(partner, form.cleaned_data)
        messages.success(request, _("The branding has been saved."))
        return redirect("branding_edit")
    return render(request, "tenants/branding_form.html", {"form": form, "partner": partner})


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


def logo_response(partner):
    if not partner.logo:
        raise Http404
    try:
        handle = partner.logo.open("rb")
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
@cache_control(public=True, max_age=24 * 3600)
def colours(request):
    """The portal's brand colours as CSS variables: a stylesheet of its own, because the
    Content-Security-Policy refuses inline styles. Linked with the branding's version, so a
    change is seen at once despite the caching."""
    brand = current_brand()
    css = (f":root {{ --brand-primary: {brand.primary_colour}; "
           f"--brand-accent: {brand.accent_colour}; }}\n")
    return HttpResponse(css, content_type="text/css; charset=utf-8")
