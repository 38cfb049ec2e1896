"""The customer and contract lists' filters and sorts, declared once: each page and its CSV
export filter through these FilterSets."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from .models import Contract, Customer


class CustomerFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    country = django_filters.ChoiceFilter(label=_("Country"), empty_label=_("All countries"))

    class Meta:
        model = Customer
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The countries the partner's customers are in, by name.
        codes = Customer.objects.order_by().values_list("country", flat=True).distinct()
        names = dict(countries)
        self.filters["country"].extra["choices"] = sorted(
            ((code, names.get(code, code)) for code in codes), key=lambda item: str(item[1]))

    def search(self, customers, name, value):
        query = value.strip()
        if not query:
            return customers
        return customers.filter(Q(name__icontains=query) | Q(site_id__icontains=query)
                                | Q(city__icontains=query))


class ContractFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    status = django_filters.ChoiceFilter(label=_("Status"), empty_label=_("All statuses"),
                                         choices=Contract.Status.choices)

    class Meta:
        model = Contract
        fields = []

    def search(self, contracts, name, value):
        query = value.strip()
        if not query:
            return contracts
        return contracts.filter(Q(customer__name__icontains=query)
                                | Q(customer__site_id__icontains=query))


# The pages' sortable columns.
CUSTOMER_SORTS = {"name": "name", "site_id": "site_id"}
CONTRACT_SORTS = {"start": "start", "end": "end", "customer": "customer__name"}
