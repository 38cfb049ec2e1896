"""A CSM's assigned customers in the vendor console, and the Lens exports they upload."""

from django.http import Http404
from django.shortcuts import redirect, render

from console import crossschema
from console.tables import assigned_customer_rows
from inventory.forms import LensImportForm
from portal.submissions.once import created, sent_once
from portal.users.access import role_required
from portal.users.models import Role

from .escalations import PAGE_SIZE, _page_number, _pages


@role_required(Role.CSM)
def my_customers(request):
    page = _page_number(request)
    rows, total = crossschema.assigned_customers_page(request.user, PAGE_SIZE,
                                                      (page - 1) * PAGE_SIZE)
    return render(request, "console/my_customers.html", {
        "rows": rows, "customer_rows": assigned_customer_rows(rows), **_pages(page, total)})


@role_required(Role.CSM)
def my_customer_detail(request, slug, customer_id):
    found = crossschema.assigned_customer(request.user, slug, customer_id)
    if found is None:
        raise Http404
    assigned, contracts, history = found
    return render(request, "console/my_customer_detail.html",
                  {"assigned": assigned, "contracts": contracts, "history": history})


@role_required(Role.CSM)
@sent_once
def csm_lens_upload(request, slug, customer_id):
    """The customer's CSM uploads the Poly Lens export when they cannot read Lens."""
    found = crossschema.customer_assigned_to(request.user, slug, customer_id)
    if found is None:
        raise Http404
    partner, customer = found
    form = LensImportForm(request.POST or None, request.FILES or None, fixed_customer=customer)
    if request.method == "POST" and form.is_valid():
        lens_import = crossschema.queue_lens_import(request.user, partner, form)
        created(request, lens_import)
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
