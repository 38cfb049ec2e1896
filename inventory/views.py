
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.catalogue.models import ProductModel
from portal.csvexport import csv_response
from portal.users.access import EVERYONE_OF_PARTNER, customers_visible_to, role_required
from portal.users.models import Role

from . import services
from .coverage import covered_q, outdated_firmware_q, with_coverage
from .forms import DeviceFilterForm, RegistrationForm
from .models import Device

PAGE_SIZE = 50


def devices_visible_to(user):
    return Device.objects.filter(customer__in=customers_visible_to(user))


def filtered_devices(user, data, today):
    devices = devices_visible_to(user).select_related("product_model", "customer")
    form = DeviceFilterForm(data or None)
    if not form.is_valid():
        return form, devices
    criteria = form.cleaned_data
    if criteria["q"]:
        query = criteria["q"].strip()
        devices = devices.filter(
            Q(serial__icontains=query) | Q(mac_address__icontains=query.replace("-", ":"))
            | Q(product_model__sku__icontains=query) | Q(product_model__name__icontains=query))
    if criteria["category"]:
        devices = devices.filter(product_model__category=criteria["category"])
    if criteria["coverage"] == "covered":
        devices = devices.filter(covered_q(today))
    elif criteria["coverage"] == "uncovered":
        devices = devices.exclude(covered_q(today))
    if criteria["status"]:
        devices = devices.filter(status=criteria["status"])
    if criteria["outdated"]:
        devices = devices.filter(outdated_firmware_q())
    if criteria["end_of_life"]:
        devices = devices.filter(product_model__end_of_life__lt=today)
    return form, devices


@role_required(*EVERYONE_OF_PARTNER)
def device_list(request):
    today = timezone.localdate()
    filters, devices = filtered_devices(request.user, request.GET, today)
    if request.GET.get("format") == "csv":
        return devices_csv(devices, today)
    page = Paginator(devices, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "inventory/device_list.html", {
        "filters": filters, "page": page, "rows": with_coverage(page.object_list, today),
    })


DEVICE_CSV_COLUMNS = ["serial", "sku", "model", "category", "site_id", "customer", "site",
                      "room", "mac_address", "firmware", "status", "source", "covered",
                      "why_not", "last_seen"]


def devices_csv(devices, today):
    def rows():
        # In chunks, so that coverage is looked up once per chunk, not once per device.
        for start in range(0, devices.count(), 2000):
            for device, result in with_coverage(devices.order_by("pk")[start:start + 2000],
                                                today):
                yield [device.serial, device.product_model.sku, device.product_model.name,
                       device.product_model.category, device.customer.site_id,
                       device.customer.name, device.site, device.room, device.mac_address,
                       device.firmware_version, device.status, device.source,
                       "yes" if result.covered else "no",
                       " ".join(str(m) for m in result.messages),
                       device.last_seen.isoformat() if device.last_seen else ""]
    return csv_response("devices.csv", DEVICE_CSV_COLUMNS, rows())


@role_required(*EVERYONE_OF_PARTNER)
def device_detail(request, pk):
    today = timezone.localdate()
    device = get_object_or_404(devices_visible_to(request.user)
                               .select_related("product_model", "customer"), pk=pk)
    [(device, result)] = with_coverage([device], today)
    history = device.history.select_related("history_user").order_by("-history_date")[:50]
    return render(request, "inventory/device_detail.html",
                  {"device": device, "coverage": result, "history": history})


@role_required(*EVERYONE_OF_PARTNER)
def device_register(request):
    user = request.user
    fixed = user.customer if user.role == Role.CUSTOMER_USER else None
    form = RegistrationForm(request.POST or None, customers=customers_visible_to(user),
                            fixed_customer=fixed)
    if request.method == "POST" and form.is_valid():
        try:
            device = services.register_device(
                customer=form.chosen_customer(), serial=form.cleaned_data["serial"],
                sku=form.cleaned_data["model"], site=form.cleaned_data["site"],
                room=form.cleaned_data["room"])
        except ValidationError as error:
            for field, messages_ in error.message_dict.items():
                form.add_error(field if field in form.fields else None, messages_)
        else:
            messages.success(request, _("Device %(serial)s is registered.") % {
                "serial": device.serial})
            return redirect("device_detail", pk=device.pk)
    return render(request, "inventory/device_register.html", {
        "form": form,
        "product_models": ProductModel.objects.filter(quote_only_line="").only("sku", "name"),
    })
