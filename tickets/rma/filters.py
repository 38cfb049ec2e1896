"""The replacement list's filters and sorts, declared once: the page, its CSV export and the
API list all filter through RmaFilterSet. "Open" is the queryset's rule (`Rma.objects.open()`,
through StatusFilter)."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal.catalogue.models import Category
from portal.lists import CheckboxFilter, ListFilters, StatusFilter, in_order_of, reference_q

from ..models import Rma
from .services import late_q


class RmaFilterSet(ListFilters):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    status = StatusFilter(Rma.Status)
    category = django_filters.ChoiceFilter(label=_("Category"), empty_label=_("All categories"),
                                           choices=Category.choices)
    chargeable = django_filters.ChoiceFilter(
        label=_("Charge"), method="filter_chargeable", empty_label=_("Any"),
        choices=[("yes", _("Chargeable")), ("no", _("Free"))])
    late = CheckboxFilter(label=_("Late only"), method="filter_late")

    class Meta:
        model = Rma
        fields = []

    def search(self, rmas, name, value):
        query = value.strip()
        if not query:
            return rmas
        match = (Q(device__serial__icontains=query) | Q(replacement__serial__icontains=query)
                 | Q(customer__site_id__icontains=query) | Q(customer__name__icontains=query)
                 | Q(tracking_number__icontains=query))
        return rmas.filter(match | reference_q(query, "RMA-"))

    def filter_chargeable(self, rmas, name, value):
        return rmas.filter(chargeable=value == "yes")

    def filter_late(self, rmas, name, value):
        return rmas.filter(late_q("customer__time_zone")) if value else rmas


# The page's sortable columns. Sorted by promised ship date, the most overdue promise comes
# first; statuses in the workflow's own order.
RMA_SORTS = {
    "promised_ship_date": "promised_ship_date",
    "requested": "requested_at",
    "status": in_order_of("status", Rma.Status.values),
    "customer": "customer__name",
}
