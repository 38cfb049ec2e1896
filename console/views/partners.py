"""The vendor console's home and its partners: onboarding, branding, domains, CSMs."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from console import crossschema
from console.tables import partner_rows
from portal.submissions.once import created, sent_once
from portal.tenants import previews
from portal.tenants import services as partner_services
from portal.tenants.forms import (
    ConsoleBrandingForm,
    DomainForm,
    PartnerCreateForm,
    SenderAddressForm,
)
from portal.tenants.models import Domain, Partner
from portal.tenants.views import branding_form, logo_response, save_or_preview
from portal.users.access import VENDOR_ADMIN, VENDOR_STAFF, role_required
from portal.users.models import Role, User

from .escalations import PAGE_SIZE, _page_number, _pages

# The dashboard shows the partners onboarded last and counts the others: its cost does not
# grow with the number of partners (the Partners page lists and searches them all).
DASHBOARD_PARTNERS = 20


@role_required(*VENDOR_STAFF)
def dashboard(request):
    latest, partner_count = crossschema.listed_partners(order_by=("-pk",),
                                                        limit=DASHBOARD_PARTNERS)
    context = {"partner_count": partner_count, "partners": latest,
               "partner_rows": partner_rows(latest, request.user)}
    if request.user.role == Role.VENDOR_ADMIN:
        # Both figures in one query; the invitees themselves are not shown here.
        context.update(User.objects.filter(is_active=True).aggregate(
            staff_count=Count("pk"), pending_invitations=Count(
                "pk", filter=Q(password__startswith=UNUSABLE_PASSWORD_PREFIX))))
    if request.user.role == Role.CSM:
        context.update(crossschema.csm_dashboard_counts(request.user))
    if request.user.role == Role.SUPPORT_ENGINEER:
        context["escalated"], context["escalated_count"] = crossschema.escalated_tickets(
            limit=10)
    return render(request, "console/dashboard.html", context)


@role_required(*VENDOR_ADMIN)
def partner_list(request):
    query = request.GET.get("q", "").strip()
    # A page at a time: the page costs the same at ten and at a thousand partners.
    page = _page_number(request)
    partners, total = crossschema.listed_partners(query=query, limit=PAGE_SIZE,
                                                  offset=(page - 1) * PAGE_SIZE)
    return render(request, "console/partner_list.html", {
        "partners": partners, "partner_rows": partner_rows(partners, request.user),
        "query": query, **_pages(page, total)})


@role_required(*VENDOR_ADMIN)
@sent_once
def partner_create(request):
    form = PartnerCreateForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        partner = partner_services.create_partner(
            name=form.cleaned_data["name"], slug=form.cleaned_data["slug"],
            domain=form.cleaned_data["domain"], branding=form.branding(), admin=form.admin(),
        )
        created(request, partner)
        messages.success(request, _(
            "Partner %(name)s is being set up; its administrator will receive an invitation."
        ) % {"name": partner.name})
        return redirect("console_partner_detail", slug=partner.slug)
    return render(request, "console/partner_form.html", {"form": form})


def _partner(slug):
    return get_object_or_404(Partner.objects.partners(), slug=slug)


@role_required(*VENDOR_ADMIN)
def partner_detail(request, slug):
    partner = _partner(slug)
    template = "console/partials/partner_status.html" if request.htmx else (
        "console/partner_detail.html")
    return render(request, template, {
        "partner": partner, "domains": partner.domains.all(), "domain_form": DomainForm(),
        "sender_form": SenderAddressForm(instance=partner),
        "default_sender": settings.EMAIL_FROM_ADDRESS,
        "contrast_warnings": partner_services.contrast_warnings(partner.primary_colour,
                                                                partner.accent_colour),
        "min_contrast": settings.BRANDING_MIN_CONTRAST,
    })


@role_required(*VENDOR_ADMIN)
@require_POST
def partner_sender(request, slug):
    partner = _partner(slug)
    form = SenderAddressForm(request.POST, instance=partner)
    if form.is_valid():
        form.save()
        messages.success(request, _("E-mails of %(name)s are now sent from %(address)s.") % {
            "name": partner.name, "address": partner.email_sender_address
            or settings.EMAIL_FROM_ADDRESS})
    else:
        for error in form.errors.get("email_sender_address", []):
            messages.error(request, error)
    return redirect("console_partner_detail", slug=partner.slug)


def _logo_urls(partner):
    version = f"?v={int(partner.updated_at.timestamp() * 1e6)}" if partner.updated_at else ""
    return (reverse("console_partner_logo", args=[partner.slug]) + version,
            reverse("console_partner_logo_dark", args=[partner.slug]) + version)


@role_required(*VENDOR_ADMIN)
def partner_branding(request, slug):
    partner = _partner(slug)
    logo_urls = _logo_urls(partner)
    form = branding_form(request, ConsoleBrandingForm, partner, logo_urls)
    preview = save_or_preview(request, form, partner, logo_urls)
    if preview is None:
        messages.success(request, _("The branding of %(name)s has been saved.") % {
            "name": partner.name})
        return redirect("console_partner_detail", slug=partner.slug)
    return render(request, "console/partner_branding.html", {
        "form": form, "partner": partner, "preview": preview,
        "preview_pdf_url": reverse("console_partner_branding_preview_pdf",
                                   args=[partner.slug])})


@role_required(*VENDOR_ADMIN)
@require_POST
def partner_branding_preview_pdf(request, slug):
    """The partner's PDF report header with the form's values, saving nothing."""
    partner = _partner(slug)
    logo_urls = _logo_urls(partner)
    form = branding_form(request, ConsoleBrandingForm, partner, logo_urls)
    if not form.is_valid():
        return render(request, "console/partner_branding.html", {
            "form": form, "partner": partner,
            "preview": previews.preview_context(form, partner, logo_urls, unsaved=False),
            "preview_pdf_url": reverse("console_partner_branding_preview_pdf",
                                       args=[partner.slug])}, status=400)
    return previews.preview_pdf(form, partner)


@role_required(*VENDOR_ADMIN)
@require_POST
@sent_once
def partner_domain_add(request, slug):
    partner = _partner(slug)
    form = DomainForm(request.POST)
    if form.is_valid():
        domain = Domain.objects.create(tenant=partner, domain=form.cleaned_data["domain"],
                                       is_primary=False)
        created(request, domain)
        messages.success(request, _("Domain %(domain)s added.") % {
            "domain": form.cleaned_data["domain"]})
    else:
        for error in form.errors.get("domain", []):
            messages.error(request, error)
    return redirect("console_partner_detail", slug=partner.slug)


@role_required(*VENDOR_STAFF)
def partner_logo(request, slug):
    return logo_response(_partner(slug))


@role_required(*VENDOR_STAFF)
def partner_logo_dark(request, slug):
    return logo_response(_partner(slug), "logo_on_dark")


@role_required(*VENDOR_ADMIN)
def partner_customers(request, slug):
    partner = _partner(slug)
    csms = User.objects.filter(role=Role.CSM, is_active=True)
    return render(request, "console/partner_customers.html", {
        "partner": partner, "rows": crossschema.partner_customers(partner), "csms": csms,
    })


@role_required(*VENDOR_ADMIN)
@require_POST
def partner_customer_csm(request, slug, customer_id):
    partner = _partner(slug)
    csm_id = request.POST.get("csm") or None
    csm = get_object_or_404(User, pk=csm_id, role=Role.CSM, is_active=True) if csm_id else None
    try:
        crossschema.assign_csm(partner, customer_id, csm)
    except ObjectDoesNotExist as exc:
        raise Http404 from exc
    messages.success(request, _("The CSM assignment has been saved."))
    return redirect("console_partner_customers", slug=partner.slug)
