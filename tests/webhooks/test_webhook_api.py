"""Webhook endpoints through the API: the partner administrator's, as on the pages; the
delivery log with every attempt, in pages of a constant number of queries; redelivery."""

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import tenant_context

from portal.webhooks import services
from portal.webhooks.models import Delivery, DeliveryAttempt, Endpoint
from tests.api.conftest import ApiClient, make_token

URL = "https://93.184.215.14/hooks"
BASE = "/api/v1/webhook-endpoints"


class Tool(ApiClient):
    def patch(self, path, data):
        return self.client.patch(path, json.dumps(data), content_type="application/json",
                                 headers=self.headers)

    def delete(self, path):
        return self.client.delete(path, headers=self.headers)


@pytest.fixture
def tool(world):
    def make(persona="alpha_admin", scope="write", host=None):
        person = world[persona]
        return Tool(host or person.host, make_token(person, scope))
    return make


def endpoint(world, url=URL, tenant=None):
    with tenant_context(tenant or world.alpha):
        return services.create_endpoint(url=url, events=["ticket.created"])


def test_the_admin_creates_reads_changes_and_deletes_an_endpoint(world, tool):
    admin = tool()
    created = admin.post(BASE, {"url": URL, "events": ["device.changed", "ticket.escalated"],
                                "description": "ERP"})
    assert created.status_code == 201, created.json()
    data = created.json()
    with tenant_context(world.alpha):
        saved = Endpoint.objects.get()
    assert data["secret"] == saved.secret and data["secret"].startswith("whsec_")
    assert (data["url"], data["events"], data["active"]) == (
        URL, ["device.changed", "ticket.escalated"], True)
    assert saved.created_by == world["alpha_admin"].user
    listed = admin.get(BASE).json()
    assert [item["id"] for item in listed["items"]] == [saved.pk]
    assert "secret" not in listed["items"][0]
    detail = admin.get(f"{BASE}/{saved.pk}")
    assert detail.json()["description"] == "ERP" and "secret" not in detail.json()
    changed = admin.patch(f"{BASE}/{saved.pk}", {"events": ["true_up.accepted"],
                                                 "active": False})
    assert changed.status_code == 200
    assert (changed.json()["events"], changed.json()["active"],
            changed.json()["url"]) == (["true_up.accepted"], False, URL)
    assert admin.delete(f"{BASE}/{saved.pk}").status_code == 204
    assert admin.get(f"{BASE}/{saved.pk}").status_code == 404
    with tenant_context(world.alpha):
        assert not Endpoint.objects.exists()


@override_settings(WEBHOOK_ALLOW_PRIVATE_URLS=False)
@pytest.mark.parametrize("url", ["https://127.0.0.1/hooks", "https://10.1.2.3/hooks",
                                 "http://93.184.215.14/hooks",
                                 "https://169.254.169.254/latest/meta-data", "not a url"])
def test_the_api_refuses_the_addresses_the_page_refuses(world, tool, url):
    response = tool().post(BASE, {"url": url, "events": ["ticket.created"]})
    assert response.status_code == 422
    assert "url" in response.json()["errors"]
    with tenant_context(world.alpha):
        assert not Endpoint.objects.exists()


@override_settings(WEBHOOK_ALLOW_PRIVATE_URLS=False)
def test_a_change_to_a_private_address_is_refused(world, tool):
    saved = endpoint(world)
    response = tool().patch(f"{BASE}/{saved.pk}", {"url": "https://192.168.1.10/hooks"})
    assert response.status_code == 422
    with tenant_context(world.alpha):
        saved.refresh_from_db()
    assert saved.url == URL


def test_unknown_or_no_events_are_refused(world, tool):
    admin = tool()
    unknown = admin.post(BASE, {"url": URL, "events": ["device.exploded"]})
    assert unknown.status_code == 422 and "events" in unknown.json()["errors"]
    assert admin.post(BASE, {"url": URL, "events": []}).status_code == 422


def test_a_read_only_token_cannot_change_anything(world, tool):
    saved = endpoint(world)
    reader = tool(scope="read")
    assert reader.get(f"{BASE}/{saved.pk}").status_code == 200
    assert reader.post(BASE, {"url": URL, "events": ["ticket.created"]}).status_code == 403
    assert reader.delete(f"{BASE}/{saved.pk}").status_code == 403


@pytest.mark.parametrize("persona", ["alpha_agent", "alpha_customer1", "beta_admin"])
def test_endpoints_are_out_of_reach_of_everyone_else(world, tool, persona):
    saved = endpoint(world)
    with tenant_context(world.alpha):
        delivery = Delivery.objects.create(endpoint=saved, event="ticket.created",
                                           payload={}, status="failed")
    client = tool(persona)
    for path in (f"{BASE}/{saved.pk}", f"{BASE}/{saved.pk}/deliveries"):
        assert client.get(path).status_code == 404, path
    assert client.patch(f"{BASE}/{saved.pk}", {"active": False}).status_code == 404
    assert client.delete(f"{BASE}/{saved.pk}").status_code == 404
    assert client.post(
        f"{BASE}/{saved.pk}/deliveries/{delivery.pk}/redeliver").status_code == 404
    listed = client.get(BASE)
    assert listed.status_code == 404 or listed.json()["items"] == []
    with tenant_context(world.alpha):
        assert Endpoint.objects.get(pk=saved.pk).active


def test_another_partners_token_is_refused_here(world, tool):
    saved = endpoint(world)
    response = tool("beta_admin", host=world["alpha_admin"].host).get(f"{BASE}/{saved.pk}")
    assert response.status_code == 401


def test_a_delivery_of_another_endpoint_is_not_found(world, tool):
    first, second = endpoint(world), endpoint(world, "https://93.184.215.15/hooks")
    with tenant_context(world.alpha):
        delivery = Delivery.objects.create(endpoint=second, event="ticket.created",
                                           payload={}, status="failed")
    response = tool().post(f"{BASE}/{first.pk}/deliveries/{delivery.pk}/redeliver")
    assert response.status_code == 404


def deliveries(endpoint, count, attempts=3):
    start = timezone.now() - timedelta(hours=1)
    for index in range(count):
        delivery = Delivery.objects.create(endpoint=endpoint, event="ticket.created",
                                           payload={"n": index}, status="failed",
                                           attempts=attempts)
        DeliveryAttempt.objects.bulk_create([
            DeliveryAttempt(delivery=delivery, started_at=start + timedelta(minutes=step),
                            duration_ms=12, status_code=500,
                            error="The endpoint answered 500.")
            for step in range(attempts)])


def test_the_delivery_log_pages_every_attempt_in_constant_queries(world, tool):
    saved = endpoint(world)
    admin = tool()
    path = f"{BASE}/{saved.pk}/deliveries"

    def measured(params):
        with CaptureQueriesContext(connection) as queries:
            response = admin.get(path, params)
        assert response.status_code == 200
        return response.json(), len(queries)

    with tenant_context(world.alpha):
        deliveries(saved, 2)
    measured({"limit": 50})  # the token's first use is recorded once
    _, few = measured({"limit": 50})
    with tenant_context(world.alpha):
        deliveries(saved, 8, attempts=4)
    page, many = measured({"limit": 5})
    assert many == few
    assert len(page["items"]) == 5 and page["next"]
    assert [attempt["status_code"] for attempt in page["items"][0]["attempts"]] == [500] * 4
    assert page["items"][0]["attempts"][0]["error"] == "The endpoint answered 500."
    rest, _ = measured({"limit": 50, "cursor": page["next"]})
    assert len(rest["items"]) == 5
    assert not {item["id"] for item in page["items"]} & {item["id"] for item in rest["items"]}


def test_a_redelivery_keeps_the_id_and_adds_an_attempt(world, tool, receiver,
                                                       django_capture_on_commit_callbacks):
    server = receiver(codes=(500, 200))
    with tenant_context(world.alpha):
        saved = services.create_endpoint(url=server.url, events=["ticket.created"])
        with override_settings(WEBHOOK_MAX_ATTEMPTS=1), \
                django_capture_on_commit_callbacks(execute=True):
            services.emit("ticket.created", {"id": 1})
        delivery = Delivery.objects.get()
    assert delivery.status == "failed"
    with django_capture_on_commit_callbacks(execute=True):
        response = tool().post(f"{BASE}/{saved.pk}/deliveries/{delivery.pk}/redeliver")
    assert response.status_code == 202
    assert response.json()["id"] == delivery.pk
    log = tool().get(f"{BASE}/{saved.pk}/deliveries").json()["items"]
    assert [item["id"] for item in log] == [delivery.pk]
    assert log[0]["status"] == "delivered"
    assert [attempt["status_code"] for attempt in log[0]["attempts"]] == [500, 200]
    [first, second] = server.requests
    assert first[0]["X-Portal-Delivery"] == second[0]["X-Portal-Delivery"] == str(delivery.pk)
    assert first[1] == second[1]


def test_a_delivery_still_being_attempted_is_not_redelivered(world, tool):
    saved = endpoint(world)
    with tenant_context(world.alpha):
        delivery = Delivery.objects.create(endpoint=saved, event="ticket.created",
                                           payload={})
    response = tool().post(f"{BASE}/{saved.pk}/deliveries/{delivery.pk}/redeliver")
    assert response.status_code == 422
