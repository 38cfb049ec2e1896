from django.contrib import messages
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from inventory.forms import LensImportForm
from portal.console import crossschema
from portal.tenants import services as partner_services
from portal.tenants.forms import BrandingForm, DomainForm, PartnerCreateForm
from portal.tenants.models import Domain, Partner
from portal.tenants.views import logo_response
from portal.users.access import VENDOR_ADMIN, VENDOR_STAFF, role_required
from portal.users.models import Role, User


@role_required(*VENDOR_STAFF)
def dashboard(request):
    partners = Partner.objects.partners().prefetch_related("domains")
    context = {"partners": partners}
    if request.user.role == Role.VENDOR_ADMIN:
        context["staff_count"] = User.objects.filter(is_active=True).count()
        context["pending_invitations"] = User.objects.filter(
            is_active=True, password__startswith=UNUSABLE_PASSWORD_PREFIX
        )
    if request.user.role == Role.CSM:
        context["reports_to_review"] = len(crossschema.reports_of_csm(request.user,
                                                                      status="draft"))
    if request.user.role == Role.SUPPORT_ENGINEER:
        context["escalated"], context["escalated_count"] = crossschema.escalated_tickets(
            limit=10)
    return render(request, "console/dashboard.html", context)


@role_required(*VENDOR_ADMIN)
def partner_list(request):
    query = request.GET.get("q", "").strip()
    partners = Partner.objects.partners().prefetch_related("domains")
    if query:
        partners = partners.filter(
            Q(name__icontains=query) | Q(slug__icontains=query)
            | Q(domains__domain__icontains=query)
        ).distinct()
    return render(request, "console/partner_list.html", {"partners": partners, "query": query})


@role_required(*VENDOR_ADMIN)
def partner_create(request):
    form = PartnerCreateForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        partner = partner_services.create_partner(
            name=form.cleaned_data["name"], slug=form.cleaned_data["slug"],
            domain=form.cleaned_data["domain"], branding=form.branding(), admin=form.admin(),
        )
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
    })


@role_required(*VENDOR_ADMIN)
def partner_branding(request, slug):
    partner = _partner(slug)
    form = BrandingForm(request.POST or None, request.FILES or None, instance=partner)
    if request.method == "POST" and form.is_valid():
        partner_services.update_branding(partner, form.cleaned_data)
        messages.success(request, _("The branding of %(name)s has been saved.") % {
            "name": partner.name})
        return redirect("console_partner_detail", slug=partner.slug)
    return render(request, "console/partner_branding.html", {"form": form, "partner": partner})


@role_required(*VENDOR_ADMIN)
@require_POST
def partner_domain_add(request, slug):
    partner = _partner(slug)
    form = DomainForm(request.POST)
    if form.is_valid():
        Domain.objects.create(tenant=partner, domain=form.cleaned_data["domain"],
                              is_primary=False)
        messages.success(request, _("Domain %(domain)s added.") % {
            "domain": form.cleaned_data["domain"]})
    else:
        for error in form.errors.get("domain", []):
            messages.error(request, error)
    return redirect("console_partner_detail", slug=partner.slug)


@role_required(*VENDOR_STAFF)
def partner_logo(request, slug):
    return logo_response(_partner(slug))


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


@role_required(Role.CSM)
def my_customers(request):
    return render(request, "console/my_customers.html",
                  {"rows": crossschema.customers_of_csm(request.user)})


@role_required(Role.CSM)
def my_customer_detail(request, slug, customer_id):
    found = crossschema.assigned_customer(request.user, slug, customer_id)
    if found is None:
        raise Http404
    assigned, contracts, history = found
    return render(request, "console/my_customer_detail.html",
                  {"assigned": assigned, "contracts": contracts, "history": history})


@role_required(Role.CSM)
def csm_lens_upload(request, slug, customer_id):
    """The customer's CSM uploads the Poly Lens export when they cannot read Lens."""
    found = crossschema.customer_assigned_to(request.user, slug, customer_id)
    if found is None:
        raise Http404
    partner, customer = found
    form = LensImportForm(request.POST or None, request.FILES or None, fixed_customer=customer)
    if request.method == "POST" and form.is_valid():
        lens_import = crossschema.queue_lens_import(request.user, partner, form)
        return redirect("console_csm_lens_import", slug=slug, customer_id=customer_id,
                        import_id=lens_import.pk)
    return render(request, "console/csm_lens_upload.html", {
        "form": form, "partner": partner, "customer": customer})


@role_required(Role.CSM)
def csm_lens_import(request, slug, customer_id, import_id):
    found = crossschema.lens_import_of(request.user, slug, customer_id, import_id)
    if found is None:
        raise Http404
    lens_import, counts = found
    context = {"lens_import": lens_import, "counts": counts, "slug": slug}
    if request.htmx:
        return render(request, "inventory/partials/lens_import_progress.html", context)
    return render(request, "console/csm_lens_import.html", context)
