import mimetypes

from django.contrib import messages
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from contracts.models import Customer
from portal.users.access import (
    EVERYONE_OF_PARTNER,
    PARTNER_ADMIN,
    anonymous_allowed,
    customers_visible_to,
    role_required,
)
from portal.users.models import Role, User
from tickets import services as ticket_services
from tickets.views import tickets_visible_to

from . import services
from .branding import current_brand
from .forms import BrandingForm


@role_required(*EVERYONE_OF_PARTNER)
def dashboard(request):
    user = request.user
    context = {}
    if user.role == Role.CUSTOMER_USER:
        context["customer"] = customers_visible_to(user).first()
    else:
        context["customer_count"] = Customer.objects.count()
        context["recent_customers"] = Customer.objects.order_by("-created_at")[:5]
    context["tickets"] = ticket_services.dashboard(tickets_visible_to(user), user)
    if user.role == Role.PARTNER_ADMIN:
        context["user_count"] = User.objects.filter(is_active=True).count()
        context["pending_invitations"] = User.objects.filter(
            is_active=True, password__startswith=UNUSABLE_PASSWORD_PREFIX
        )
    return render(request, "tenants/dashboard.html", context)


@role_required(*PARTNER_ADMIN)
def branding_edit(request):
    partner = current_brand()
    form = BrandingForm(request.POST or None, request.FILES or None, instance=partner)
    if request.method == "POST" and form.is_valid():
        services.update_branding(partner, form.cleaned_data)
        messages.success(request, _("The branding has been saved."))
        return redirect("branding_edit")
    return render(request, "tenants/branding_form.html", {"form": form, "partner": partner})


def logo_response(partner):
    if not partner.logo:
        raise Http404
    try:
        handle = partner.logo.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    content_type = mimetypes.guess_type(partner.logo.name)[0] or "application/octet-stream"
    return FileResponse(handle, content_type=content_type)


@anonymous_allowed
@require_GET
@cache_control(public=True, max_age=3600)
def logo(request):
    """The logo of the portal being served; the login page shows it to everyone."""
    return logo_response(current_brand())
