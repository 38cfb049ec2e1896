"""Webhooks: signed deliveries a local receiver verifies, retries with doubling waits, the
delivery log, and the refusal of private addresses (SSRF)."""

import json
import time

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django_tenants.utils import tenant_context

from portal.webhooks import services, signing
from portal.webhooks.models import Delivery, Endpoint
from tests.api.conftest import ApiClient, make_token
from tickets import services as tickets


def endpoint_for(world, url, events=("ticket.created", "ticket.updated", "ticket.resolved")):
    with tenant_context(world.alpha):
        return services.create_endpoint(url=url, events=list(events),
                                        user=world["alpha_admin"].user)


def open_ticket(world):
    with tenant_context(world.alpha):
        return tickets.open_ticket(user=world["alpha_customer1"].user,
                                   customer=world.customer(world.alpha, "AL-0001"),
                                   subject="Room down", description="No video",
                                   category="technical", priority="P2")


def test_a_delivery_is_signed_and_the_receiver_verifies_it(world, receiver,
                                                           django_capture_on_commit_callbacks):
    server = receiver()
    endpoint = endpoint_for(world, server.url)
    with django_capture_on_commit_callbacks(execute=True):
        ticket = open_ticket(world)
    headers, body = server.requests[0]
    assert headers["X-Portal-Event"] == "ticket.created"
    assert signing.verify(endpoint.secret, headers[signing.HEADER], body, time.time())
    assert not signing.verify("whsec_wrong", headers[signing.HEADER], body, time.time())
    assert not signing.verify(endpoint.secret, headers[signing.HEADER], body + b" ",
                              time.time())
    assert not signing.verify(endpoint.secret, headers[signing.HEADER], body,
                              time.time() + 3600)  # a replay an hour later
    payload = json.loads(body)
    assert payload["event"] == "ticket.created"
    assert payload["data"]["reference"] == ticket.reference
    assert payload["data"]["site_id"] == "AL-0001"
    with tenant_context(world.alpha):
        delivery = Delivery.objects.get()
    assert (delivery.status, delivery.status_code, delivery.attempts) == ("delivered", 200, 1)
    assert delivery.duration_ms is not None


def test_internal_notes_send_nothing_and_public_answers_carry_no_text(
        world, receiver, django_capture_on_commit_callbacks):
    server = receiver()
    endpoint_for(world, server.url)
    ticket = open_ticket(world)
    with tenant_context(world.alpha), django_capture_on_commit_callbacks(execute=True):
        tickets.add_comment(ticket, user=world["alpha_agent"].user, body="SECRET-NOTE",
                            internal=True)
    assert server.requests == []
    with tenant_context(world.alpha), django_capture_on_commit_callbacks(execute=True):
        tickets.add_comment(ticket, user=world["alpha_agent"].user, body="Public text")
    (headers, body), = server.requests
    assert headers["X-Portal-Event"] == "ticket.updated"
    assert b"SECRET" not in body and b"Public text" not in body


def test_only_chosen_events_are_sent(world, receiver, django_capture_on_commit_callbacks):
    server = receiver()
    endpoint_for(world, server.url, events=["ticket.resolved"])
    ticket = open_ticket(world)
    with tenant_context(world.alpha), django_capture_on_commit_callbacks(execute=True):
        tickets.change_status(ticket, "resolved", user=world["alpha_agent"].user)
    assert [headers["X-Portal-Event"] for headers, _ in server.requests] == ["ticket.resolved"]


def test_a_failing_endpoint_is_retried_until_it_answers(world, receiver,
                                                        django_capture_on_commit_callbacks):
    server = receiver(codes=(500, 503, 200))
    endpoint_for(world, server.url)
    with django_capture_on_commit_callbacks(execute=True):
        open_ticket(world)
    with tenant_context(world.alpha):
        delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.status_code) == ("delivered", 3, 200)
    assert len(server.requests) == 3


@override_settings(WEBHOOK_MAX_ATTEMPTS=3)
def test_after_the_last_attempt_the_delivery_fails_and_can_be_redelivered(
        world, receiver, django_capture_on_commit_callbacks):
    server = receiver(codes=(500,))
    endpoint = endpoint_for(world, server.url)
    with django_capture_on_commit_callbacks(execute=True):
        open_ticket(world)
    with tenant_context(world.alpha):
        delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.status_code) == ("failed", 3, 500)
    server.codes = [200]
    admin = world["alpha_admin"].client()
    with django_capture_on_commit_callbacks(execute=True):
        admin.post(f"/webhooks/{endpoint.pk}/deliveries/{delivery.pk}/redeliver/")
    with tenant_context(world.alpha):
        again = Delivery.objects.get()  # the same delivery, one more attempt
        assert (again.pk, again.status, again.attempts) == (delivery.pk, "delivered", 4)
        assert list(again.tries.values_list("status_code", flat=True)) == [500, 500, 500, 200]
    assert {headers["X-Portal-Delivery"] for headers, _ in server.requests} == {
        str(delivery.pk)}
    assert len({body for _, body in server.requests}) == 1


def test_waits_double_between_attempts(settings):
    settings.WEBHOOK_RETRY_SECONDS = 30
    assert [services.retry_delay(n) for n in (1, 2, 3, 4)] == [30, 60, 120, 240]


def test_a_redirect_is_not_followed(world, receiver, django_capture_on_commit_callbacks):
    server = receiver(codes=(302,))
    endpoint_for(world, server.url)
    with override_settings(WEBHOOK_MAX_ATTEMPTS=1), \
            django_capture_on_commit_callbacks(execute=True):
        open_ticket(world)
    with tenant_context(world.alpha):
        delivery = Delivery.objects.get()
    assert (delivery.status, delivery.status_code) == ("failed", 302)
    assert len(server.requests) == 1


@override_settings(WEBHOOK_ALLOW_PRIVATE_URLS=False)
@pytest.mark.parametrize("url", [
    "http://93.184.215.14/hooks",            # not https
    "https://127.0.0.1/hooks", "https://localhost/hooks", "https://[::1]/hooks",
    "https://10.1.2.3/hooks", "https://192.168.1.10/hooks", "https://172.16.0.5/hooks",
    "https://169.254.169.254/latest/meta-data", "https://[fe80::1]/hooks",
    "https://user:pass@93.184.215.14/hooks", "https://0.0.0.0/hooks",
])
def test_production_refuses_private_addresses(world, url):
    with tenant_context(world.alpha):
        with pytest.raises(ValidationError):
            services.create_endpoint(url=url, events=["ticket.created"])
        assert not Endpoint.objects.exists()


@override_settings(WEBHOOK_ALLOW_PRIVATE_URLS=False)
def test_production_accepts_a_public_https_address(world):
    with tenant_context(world.alpha):
        assert services.url_problem("https://93.184.215.14/hooks") is None


def test_a_private_address_is_refused_at_delivery_time_too(world, receiver,
                                                          django_capture_on_commit_callbacks):
    server = receiver()
    endpoint_for(world, server.url)
    with override_settings(WEBHOOK_ALLOW_PRIVATE_URLS=False, WEBHOOK_MAX_ATTEMPTS=1), \
            django_capture_on_commit_callbacks(execute=True):
        open_ticket(world)
    assert server.requests == []
    with tenant_context(world.alpha):
        assert Delivery.objects.get().status == "failed"


def test_the_secret_is_shown_once(world):
    admin = world["alpha_admin"].client()
    created = admin.post("/webhooks/new/", {"url": "https://93.184.215.14/hooks",
                                            "events": ["ticket.created"], "active": "on"})
    with tenant_context(world.alpha):
        endpoint = Endpoint.objects.get()
    assert endpoint.secret in created.content.decode()
    assert endpoint.secret not in admin.get(f"/webhooks/{endpoint.pk}/").content.decode()
    assert endpoint.secret not in admin.get("/webhooks/").content.decode()


def test_webhooks_belong_to_the_partner_admin(world):
    endpoint = endpoint_for(world, "https://93.184.215.14/hooks")
    for persona in ("alpha_agent", "alpha_customer1", "beta_admin"):
        client = world[persona].client()
        assert client.get(f"/webhooks/{endpoint.pk}/").status_code == 404, persona
        assert client.post(f"/webhooks/{endpoint.pk}/delete/").status_code == 404, persona
    with tenant_context(world.alpha):
        assert Endpoint.objects.filter(pk=endpoint.pk).exists()


def test_a_ticket_opened_through_the_api_is_announced(world, receiver,
                                                      django_capture_on_commit_callbacks):
    server = receiver()
    endpoint_for(world, server.url)
    person = world["alpha_customer1"]
    client = ApiClient(person.host, make_token(person))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/tickets", {
            "subject": "Camera offline", "description": "Since 9:00", "category": "technical",
            "priority": "P2"})
    assert response.status_code == 201
    (headers, body), = server.requests
    assert headers["X-Portal-Event"] == "ticket.created"
    assert json.loads(body)["data"]["subject"] == "Camera offline"
