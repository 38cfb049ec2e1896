"""The device list's filters and sorts, declared once: the page, its CSV export and the API
list all filter through DeviceFilterSet. Coverage and outdated firmware are the rules of
inventory.coverage, never restated here."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.catalogue.models import Category
from portal.lists import CheckboxFilter, ListFilters

from .coverage import covered_q, outdated_firmware_q
from .models import Device


class DeviceFilterSet(ListFilters):
    q = django_filters.CharFilter(
        label=_("Search"), method="search",
        widget=forms.TextInput(attrs={"placeholder": _("Serial, MAC or model")}))
    category = django_filters.ChoiceFilter(
        label=_("Category"), field_name="product_model__category",
        empty_label=_("All categories"), choices=Category.choices)
    coverage = django_filters.ChoiceFilter(
        label=_("Coverage"), method="filter_coverage", empty_label=_("Covered or not"),
        choices=[("covered", _("Covered")), ("uncovered", _("Not covered"))])
    status = django_filters.ChoiceFilter(label=_("Status"), empty_label=_("All statuses"),
                                         choices=Device.Status.choices)
    outdated = CheckboxFilter(label=_("Firmware outdated"), method="filter_outdated")
    end_of_life = CheckboxFilter(label=_("End of life passed"), method="filter_end_of_life")

    class Meta:
        model = Device
        fields = []

    def __init__(self, data=None, *args, today=None, **kwargs):
        super().__init__(data, *args, **kwargs)
        self.today = today or timezone.localdate()

    def search(self, devices, name, value):
        query = value.strip()
        if not query:
            return devices
        return devices.filter(
            Q(serial__icontains=query) | Q(mac_address__icontains=query.replace("-", ":"))
            | Q(product_model__sku__icontains=query) | Q(product_model__name__icontains=query))

    def filter_coverage(self, devices, name, value):
        if value == "covered":
            return devices.filter(covered_q(self.today))
        return devices.exclude(covered_q(self.today))

    def filter_outdated(self, devices, name, value):
        return devices.filter(outdated_firmware_q()) if value else devices

    def filter_end_of_life(self, devices, name, value):
        return devices.filter(product_model__end_of_life__lt=self.today) if value else devices


# The page's sortable columns.
DEVICE_SORTS = {
    "last_seen": "last_seen",
    "status": "status",
    "model": "product_model__name",
    "customer": "customer__name",
}
