from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import tenant_context

from inventory.models import Device
from inventory.services import register_device
from tests.api.conftest import ApiClient, make_token

TODAY = date(2026, 6, 1)


def register(world, site_id, serial, sku, tenant=None):
    tenant = tenant or world.alpha
    with tenant_context(tenant):
        return register_device(customer=world.customer(tenant, site_id), serial=serial,
                               sku=sku, on_date=TODAY)


def errors_of(callable_):
    with pytest.raises(ValidationError) as error:
        callable_()
    return {field: " ".join(messages) for field, messages in error.value.message_dict.items()}


def test_a_valid_device_is_registered(world, catalogue):
    device = register(world, "AL-0001", " hs12 3456 ", "hs-1")
    assert device.serial == "HS123456"
    assert device.source == Device.Source.REGISTERED and device.first_seen


@pytest.mark.parametrize("serial", ["abc", "HS_123456", "-HS12345", "X" * 41, ""])
def test_malformed_serials_are_refused(world, catalogue, serial):
    errors = errors_of(lambda: register(world, "AL-0001", serial, "HS-1"))
    assert "not a valid serial number" in errors["serial"]


def test_an_unknown_model_is_refused(world, catalogue):
    errors = errors_of(lambda: register(world, "AL-0001", "HS123456", "NOPE-9"))
    assert "Unknown product model" in errors["model"]


def test_a_quote_only_product_needs_a_custom_quote(world, catalogue):
    errors = errors_of(lambda: register(world, "AL-0001", "ITP123456", "ITP-1"))
    assert "needs a custom quote" in errors["model"]


@pytest.mark.parametrize("sku,why", [("OLD-1", "end of life"), ("EOS-1", "end of service")])
def test_end_of_life_and_service_products_are_not_covered(world, catalogue, sku, why):
    errors = errors_of(lambda: register(world, "AL-0001", "OLD123456", sku))
    assert "is not covered" in errors["model"] and why in errors["model"]


def test_a_serial_registered_to_this_customer(world, catalogue):
    register(world, "AL-0001", "HS123456", "HS-1")
    errors = errors_of(lambda: register(world, "AL-0001", "HS123456", "HS-1"))
    assert "already registered to this customer" in errors["serial"]


def test_a_serial_registered_to_another_customer_does_not_say_whose(world, catalogue):
    register(world, "AL-0002", "HS123456", "HS-1")
    errors = errors_of(lambda: register(world, "AL-0001", "HS123456", "HS-1"))
    assert "another customer" in errors["serial"]
    assert "Alpha Customer Two" not in errors["serial"] and "AL-0002" not in errors["serial"]


def test_serials_are_unique_per_partner_not_across_partners(world, catalogue):
    register(world, "AL-0001", "HS123456", "HS-1")
    device = register(world, "BE-0001", "HS123456", "HS-1", tenant=world.beta)
    assert device.pk


def test_every_problem_is_reported_at_once(world, catalogue):
    errors = errors_of(lambda: register(world, "AL-0001", "x", "NOPE"))
    assert set(errors) == {"serial", "model"}


# --- A customer user learns nothing of other customers' devices ---------------------------

def another_customers_serial(world):
    register(world, "AL-0002", "HS123456", "HS-1")


def test_a_customer_user_is_not_told_the_serial_belongs_to_another_customer(world, catalogue):
    another_customers_serial(world)
    client = world["alpha_customer1"].client()
    response = client.post("/devices/register/", {"serial": "HS123456", "model": "HS-1"})
    assert response.status_code == 200
    [message] = response.context["form"].errors["serial"]
    assert "another customer" not in message
    assert "cannot be registered" in message
    bulk = client.post("/devices/register/bulk/", {"file": SimpleUploadedFile(
        "devices.csv", b"serial,model\nHS123456,HS-1\n", content_type="text/csv")})
    [error] = bulk.context["errors"]
    assert error.message == message


def test_the_api_tells_a_customer_user_no_more(world, catalogue):
    another_customers_serial(world)
    person = world["alpha_customer1"]
    response = ApiClient(person.host, make_token(person)).post(
        "/api/v1/devices", {"serial": "HS123456", "model": "HS-1"})
    assert response.status_code == 422
    [message] = response.json()["errors"]["serial"]
    assert "another customer" not in message and "cannot be registered" in message


def test_partner_staff_still_see_the_precise_reason(world, catalogue):
    another_customers_serial(world)
    customer = world.customer(world.alpha, "AL-0001")
    response = world["alpha_agent"].client().post("/devices/register/", {
        "customer": customer.pk, "serial": "HS123456", "model": "HS-1"})
    [message] = response.context["form"].errors["serial"]
    assert "already registered to another customer" in message
