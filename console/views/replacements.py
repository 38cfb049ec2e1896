"""The vendor console's replacements (SPEC §8): vendor support works every partner's RMAs."""

from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from console import crossschema
from console.forms import ConsoleRmaFilterForm
from console.tables import rma_queue_columns
from portal.lists import Table
from portal.tenants.schemas import active_partner
from portal.users.access import role_required
from portal.users.models import Role
from tickets.rma.services import rma_of_partner
from tickets.rma.views import post_advance, rma_context

from .escalations import PAGE_SIZE, _page_number, _pages


@role_required(Role.SUPPORT_ENGINEER)
def console_rma_list(request):
    filters = ConsoleRmaFilterForm(request.GET or None)
    criteria = filters.cleaned_data if filters.is_valid() else {"status": "open"}
    page = _page_number(request)
    rmas, total = crossschema.rmas_of_all_partners(
        status=criteria.get("status", "open"), query=criteria.get("q", "").strip(),
        partner_slug=criteria.get("partner", ""), late_only=criteria.get("late", False),
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE)
    return render(request, "console/rma_list.html", {
        "filters": filters, "rmas": rmas, **_pages(page, total),
        "table": Table(rma_queue_columns(), rmas, sortable=False,
                       empty=_("No replacements match."))})


def _partner_rma(slug, pk):
    rma = rma_of_partner(pk)
    if rma is None:
        raise Http404
    return rma


@role_required(Role.SUPPORT_ENGINEER)
def console_rma_detail(request, slug, pk):
    with active_partner(slug) as partner:
        rma = _partner_rma(slug, pk)
        urls = {"advance": reverse("console_rma_advance", args=[slug, pk]),
                "back": reverse("console_rma_list")}
        context = rma_context(rma, request.user, urls)
    context["partner"] = partner
    return render(request, "tickets/rma_detail.html", context)


@role_required(Role.SUPPORT_ENGINEER)
@require_POST
def console_rma_advance(request, slug, pk):
    with active_partner(slug):
        post_advance(request, _partner_rma(slug, pk))
    return redirect("console_rma_detail", slug=slug, pk=pk)
