"""The API's conventions: problem details, cursor pages, Idempotency-Key, the rate limit,
languages, formats, and the generated OpenAPI description with its documentation page."""

import base64
import json
import re
from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest
from django.contrib.staticfiles import finders
from django.test import Client, override_settings
from django.utils import timezone
from django_tenants.utils import tenant_context

from inventory.models import Device
from portal.api import ratelimit
from portal.api.base import query_parameter_names
from portal.api.models import IdempotencyKey
from portal.api.tasks import purge_idempotency_keys
from portal.catalogue.models import ProductModel
from portal.site.api import api as api_v1
from tickets.models import Ticket

TICKET = {"site_id": "AL-0001", "subject": "No audio", "description": "Since Monday"}


# --- Problem details ------------------------------------------------------------------------

def test_a_validation_error_is_a_problem_with_messages_per_field(world, api):
    response = api("alpha_agent").post("/api/v1/tickets", {
        "site_id": "AL-0001", "subject": "", "description": "", "priority": "P9"})
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == "/api/v1/problems/validation"
    assert problem["status"] == 422 and problem["title"] and problem["detail"]
    assert problem["instance"] == "/api/v1/tickets"
    assert set(problem["errors"]) == {"subject", "description", "priority"}
    assert problem["errors"]["subject"] == ["This field is required."]
    assert problem["errors"]["priority"] == [
        "Select a valid choice. P9 is not one of the available choices."]

UNKNOWN_SITE_FR = "Aucun client n’a l’identifiant de site « ZZ-0404 »."


def test_a_missing_field_is_named_before_the_form_is_asked(world, api):
    response = api("alpha_agent").post("/api/v1/tickets", {"site_id": "AL-0001"})
    assert response.json()["errors"] == {"subject": ["This field is required."],
                                         "description": ["This field is required."]}


def test_a_missing_field_does_not_hide_the_other_fields_errors(world, api):
    response = api("alpha_agent").post("/api/v1/tickets", {
        "site_id": "AL-0001", "description": "Since Monday", "priority": "P9"})
    assert response.status_code == 422
    assert response.json()["errors"] == {
        "subject": ["This field is required."],
        "priority": ["Select a valid choice. P9 is not one of the available choices."]}
    assert count_tickets(world) == 0


def test_an_unknown_query_parameter_is_named_with_the_other_errors(world, api, samples):
    client = api("alpha_agent")
    response = client.get("/api/v1/devices", {"site_id": "AL-0001", "limit": 0})
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert set(errors) == {"site_id", "limit"}
    assert errors["site_id"][0].startswith("This operation has no such parameter.")
    assert "category" in errors["site_id"][0] and "cursor" in errors["site_id"][0]
    # The operation's own parameters are taken as before.
    assert client.get("/api/v1/devices", {"category": "headsets", "limit": 1}).status_code == 200
    assert client.get("/api/v1/tickets", {"site_id": "AL-0001"}).status_code == 200
    assert client.get(f"/api/v1/tickets/{samples['AL-0001'].ticket.pk}",
                      {"limit": 1}).status_code == 422


def test_query_parameters_described_by_hand_are_taken_too(world):
    operation = SimpleNamespace(models=[], openapi_extra={"parameters": [
        {"in": "query", "name": "updated_since"}, {"in": "header", "name": "If-None-Match"}]})
    assert query_parameter_names(operation) == {"updated_since"}


def test_the_console_api_refuses_unknown_query_parameters_too(world):
    client = world["support_engineer"].client()
    response = client.get("/api/v1/escalations", {"site_id": "AL-0001"})
    assert response.status_code == 422 and list(response.json()["errors"]) == ["site_id"]
    taken = client.get("/api/v1/escalations", {"partner": "alpha"})
    assert taken.status_code == 200 and int(taken["RateLimit-Remaining"]) >= 0
    assert taken["RateLimit-Limit"] == response["RateLimit-Limit"]


@pytest.mark.parametrize("host", ["alpha.localhost", "localhost"])
def test_a_method_the_path_does_not_take_is_a_problem_with_allow(world, host):
    response = Client(HTTP_HOST=host).delete("/api/v1/reports")
    assert response.status_code == 405
    assert response["Content-Type"] == "application/problem+json"
    assert response["Allow"] == "GET"
    problem = response.json()
    assert problem["title"] == "Method not allowed" and "GET" in problem["detail"]


def test_an_unknown_path_or_a_trailing_slash_is_a_problem(world, api):
    client = api("alpha_agent")
    unknown = client.get("/api/v1/devicez")
    assert unknown.status_code == 404
    assert unknown["Content-Type"] == "application/problem+json"
    slash = client.get("/api/v1/devices/")
    assert slash.status_code == 404 and slash["Content-Type"] == "application/problem+json"
    assert "/api/v1/devices." in slash.json()["detail"]
    french = api("beta_agent").get("/api/v1/devices/")
    assert french.json()["title"] == "Introuvable" and french["Content-Language"] == "fr"


def test_a_multipart_body_without_its_boundary_is_a_bad_request(world, api):
    client = api("alpha_agent")
    for key in ({}, {"Idempotency-Key": "upload-1"}):
        response = client.client.post("/api/v1/lens-imports", b"--x\r\n\r\nabc\r\n--x--",
                                      content_type="multipart/form-data",
                                      headers={**client.headers, **key})
        assert response.status_code == 400, key
        assert response["Content-Type"] == "application/problem+json"
        assert "boundary" in response.json()["detail"]
    with tenant_context(world.alpha):
        assert not IdempotencyKey.objects.exists()


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_a_body_too_large_is_a_problem(world, api):
    response = api("alpha_agent").post("/api/v1/tickets", {**TICKET, "description": "x" * 2000})
    assert response.status_code == 413
    assert response.json()["title"] == "Request too large"


def test_an_error_outside_the_operation_is_a_problem_not_a_page(world, api, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the key store is broken")

    monkeypatch.setattr("portal.api.idempotency.claim", broken)
    client = api("alpha_agent")
    client.client.raise_request_exception = False  # answered as in production
    response = client.post("/api/v1/tickets", TICKET, **{"Idempotency-Key": "key-500"})
    assert response.status_code == 500
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["detail"] == "Something went wrong on our side. Try again later."


def test_a_services_refusal_names_its_field(world, api):
    response = api("alpha_agent").post("/api/v1/tickets", {**TICKET, "site_id": "ZZ-0404"})
    assert response.status_code == 422
    assert response.json()["errors"] == {"site_id": ["No customer has the Site ID “ZZ-0404”."]}


def test_a_rule_without_a_field_is_the_problems_detail(world, api, samples):
    admin = api("alpha_admin")
    quote = samples["AL-0001"].quote
    assert admin.post(f"/api/v1/true-up-quotes/{quote.pk}/accept",
                      {"po_number": "PO-1"}).status_code == 200
    response = admin.post(f"/api/v1/true-up-quotes/{quote.pk}/accept", {"po_number": "PO-2"})
    assert response.status_code == 422
    assert response.json()["detail"] == "This quote is accepted and can no longer be accepted."
    assert "errors" not in response.json()


def test_a_body_that_is_not_json_is_a_bad_request(world, api):
    client = api("alpha_agent")
    response = client.client.post("/api/v1/tickets", "{not json", content_type="application/json",
                                  headers=client.headers)
    assert response.status_code == 400
    assert response.json()["title"] == "Bad request"


def test_not_found_is_a_problem(world, api):
    response = api("alpha_agent").get("/api/v1/tickets/999999")
    assert response.status_code == 404
    assert response.json() == {"type": "about:blank", "title": "Not found", "status": 404,
                               "detail": "Nothing here, or nothing you may see.",
                               "instance": "/api/v1/tickets/999999"}


# --- Languages --------------------------------------------------------------------------------

def test_accept_language_chooses_french_over_the_partners_english(world, api):
    client = api("alpha_agent", **{"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"})
    response = client.post("/api/v1/tickets", {**TICKET, "site_id": "ZZ-0404"})
    assert response.json()["errors"]["site_id"] == [UNKNOWN_SITE_FR]
    assert response["Content-Language"] == "fr"
    missing = client.post("/api/v1/tickets", {"site_id": "AL-0001"}).json()
    assert missing["errors"]["subject"] == ["Ce champ est obligatoire."]


def test_accept_language_chooses_english_over_the_partners_french(world, api):
    client = api("beta_agent", **{"Accept-Language": "en"})
    response = client.post("/api/v1/tickets", {**TICKET, "site_id": "ZZ-0404"})
    assert response.json()["errors"]["site_id"] == ["No customer has the Site ID “ZZ-0404”."]


def test_without_accept_language_the_users_then_the_partners_language(world, api):
    response = api("beta_agent").post("/api/v1/tickets", {**TICKET, "site_id": "ZZ-0404"})
    assert response.json()["errors"]["site_id"] == [UNKNOWN_SITE_FR]
    with tenant_context(world.alpha):
        user = world["alpha_agent"].user
        type(user).objects.filter(pk=user.pk).update(language="fr")
    response = api("alpha_agent").post("/api/v1/tickets", {**TICKET, "site_id": "ZZ-0404"})
    assert response["Content-Language"] == "fr"
    assert "Aucun client" in response.json()["errors"]["site_id"][0]


# --- Formats ----------------------------------------------------------------------------------

def test_datetimes_carry_their_offset_and_money_is_a_decimal_string(world, api, samples):
    quote = api("alpha_admin").get(f"/api/v1/true-up-quotes/{samples['AL-0001'].quote.pk}")
    data = quote.json()
    assert data["total"] == "60.00" and data["lines"][0]["annual_price"] == "24.00"
    issued = datetime.fromisoformat(data["issued_at"].replace("Z", "+00:00"))
    assert issued.utcoffset() is not None
    contract = api("alpha_admin").get(f"/api/v1/contracts/{samples['AL-0001'].contract.pk}")
    assert contract.json()["baseline_versions"][0]["entries"][0]["baseline"] == "21.0000"


# --- Cursor pages -----------------------------------------------------------------------------

def add_tickets(world, count):
    with tenant_context(world.alpha):
        customer = world.customer(world.alpha, "AL-0001")
        Ticket.objects.bulk_create([Ticket(customer=customer, subject=f"Ticket {index}",
                                           description="x") for index in range(count)])


def all_pages(client, path, **params):
    seen, cursor, pages = [], None, 0
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        page = client.get(path, query).json()
        seen += [item["id"] for item in page["items"]]
        pages += 1
        cursor = page["next"]
        if cursor is None:
            return seen, pages


def test_pages_follow_each_other_without_gaps_or_repeats(world, api):
    add_tickets(world, 23)
    client = api("alpha_agent")
    seen, pages = all_pages(client, "/api/v1/tickets", limit=5)
    assert pages == 5 and len(seen) == 23 and len(set(seen)) == 23
    with tenant_context(world.alpha):
        expected = list(Ticket.objects.order_by("-created_at", "-pk").values_list("pk",
                                                                                   flat=True))
    assert seen == expected


def test_rows_added_meanwhile_neither_repeat_nor_shift_a_page(world, api):
    add_tickets(world, 10)
    client = api("alpha_agent")
    first = client.get("/api/v1/tickets", {"limit": 4}).json()
    add_tickets(world, 3)  # newer: they come before the first page, not inside the rest
    cursor, rest = first["next"], []
    while cursor:
        page = client.get("/api/v1/tickets", {"limit": 4, "cursor": cursor}).json()
        rest += [item["id"] for item in page["items"]]
        cursor = page["next"]
    ids = [item["id"] for item in first["items"]] + rest
    assert len(ids) == 10 and len(set(ids)) == 10


def test_the_limit_is_fifty_by_default_and_two_hundred_at_most(world, api):
    add_tickets(world, 55)
    client = api("alpha_agent")
    page = client.get("/api/v1/tickets").json()
    assert len(page["items"]) == 50 and page["next"]
    response = client.get("/api/v1/tickets", {"limit": 201})
    assert response.status_code == 422 and "limit" in response.json()["errors"]
    assert client.get("/api/v1/tickets", {"limit": 0}).status_code == 422


def test_a_cursor_is_opaque_and_a_forged_one_is_refused(world, api):
    add_tickets(world, 3)
    client = api("alpha_agent")
    cursor = client.get("/api/v1/tickets", {"limit": 1}).json()["next"]
    assert re.fullmatch(r"[A-Za-z0-9_-]+", cursor)
    for forged in ("nonsense!", base64.urlsafe_b64encode(b'["not a date", 1]').decode(),
                   base64.urlsafe_b64encode(b'{"a": 1}').decode()):
        response = client.get("/api/v1/tickets", {"cursor": forged})
        assert response.status_code == 422, forged
        assert "cursor" in response.json()["errors"]


# --- Idempotency-Key --------------------------------------------------------------------------

def count_tickets(world):
    with tenant_context(world.alpha):
        return Ticket.objects.count()


def test_the_same_key_twice_creates_once_and_answers_the_same(world, api):
    client = api("alpha_agent")
    key = {"Idempotency-Key": "9b2f7c1e-5d5e-4a55-8a8e-2d5a1b0c0001"}
    first = client.post("/api/v1/tickets", TICKET, **key)
    again = client.post("/api/v1/tickets", TICKET, **key)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert count_tickets(world) == 1
    assert client.post("/api/v1/tickets", TICKET).status_code == 201  # no key: a new one
    assert count_tickets(world) == 2


def test_the_same_key_with_another_body_is_refused(world, api):
    client = api("alpha_agent")
    key = {"Idempotency-Key": "key-1"}
    assert client.post("/api/v1/tickets", TICKET, **key).status_code == 201
    response = client.post("/api/v1/tickets", {**TICKET, "subject": "Another"}, **key)
    assert response.status_code == 422
    assert response.json()["type"] == "/api/v1/problems/idempotency-key-reused"
    assert count_tickets(world) == 1


def test_a_failed_request_keeps_nothing_and_may_be_sent_again(world, api):
    client = api("alpha_agent")
    key = {"Idempotency-Key": "key-2"}
    assert client.post("/api/v1/tickets", {**TICKET, "site_id": "ZZ-0404"},
                       **key).status_code == 422
    # Corrected, with the same key: the failed attempt left nothing behind.
    assert client.post("/api/v1/tickets", TICKET, **key).status_code == 201
    assert count_tickets(world) == 1


def test_keys_are_each_users_own(world, api):
    key = {"Idempotency-Key": "shared-key"}
    assert api("alpha_agent").post("/api/v1/tickets", TICKET, **key).status_code == 201
    assert api("alpha_admin").post("/api/v1/tickets", TICKET, **key).status_code == 201
    assert count_tickets(world) == 2


def test_a_replay_needs_the_same_credentials(world, api):
    key = {"Idempotency-Key": "key-4"}
    assert api("alpha_agent").post("/api/v1/tickets", TICKET, **key).status_code == 201
    assert api("alpha_agent", scope="read").post("/api/v1/tickets", TICKET,
                                                 **key).status_code == 403
    assert api("beta_agent", host=world.alpha.primary_domain).post(
        "/api/v1/tickets", TICKET, **key).status_code == 401


def test_an_overlong_key_is_refused(world, api):
    response = api("alpha_agent").post("/api/v1/tickets", TICKET,
                                       **{"Idempotency-Key": "k" * 256})
    assert response.status_code == 422
    assert "Idempotency-Key" in response.json()["errors"]


# --- Rate limit -------------------------------------------------------------------------------

@override_settings(API_RATE_LIMIT="3/min")
def test_beyond_the_rate_limit_the_api_answers_429_with_retry_after(world, api):
    client = api("alpha_agent")
    for _ in range(3):
        assert client.get("/api/v1/devices").status_code == 200
    response = client.get("/api/v1/devices")
    assert response.status_code == 429
    assert response.json()["type"] == "/api/v1/problems/rate-limited"
    assert 1 <= int(response["Retry-After"]) <= 60
    # Each token has its own allowance.
    assert api("alpha_agent").get("/api/v1/devices").status_code == 200


@override_settings(API_RATE_LIMIT="5/min")
def test_every_authenticated_answer_carries_the_rate_limit_headers(world, api):
    client = api("alpha_agent")
    first = client.get("/api/v1/devices")
    assert first["RateLimit-Limit"] == "5" and first["RateLimit-Remaining"] == "4"
    assert 1 <= int(first["RateLimit-Reset"]) <= 60
    assert client.get("/api/v1/devices/999999")["RateLimit-Remaining"] == "3"  # a 404 too
    key = {"Idempotency-Key": "rate-1"}
    assert client.post("/api/v1/tickets", TICKET, **key)["RateLimit-Remaining"] == "2"
    replay = client.post("/api/v1/tickets", TICKET, **key)
    assert replay["Idempotent-Replayed"] == "true" and replay["RateLimit-Remaining"] == "1"
    client.get("/api/v1/devices")
    refused = client.get("/api/v1/devices")
    assert refused.status_code == 429
    assert refused["RateLimit-Remaining"] == "0"
    assert refused["Retry-After"] == refused["RateLimit-Reset"]
    # Nobody authenticated, nothing counted.
    assert "RateLimit-Limit" not in Client(HTTP_HOST="alpha.localhost").get("/api/v1/devices")


def test_the_window_resets_after_its_period(world, settings):
    settings.API_RATE_LIMIT = "2/min"
    for _ in range(2):
        ratelimit.check("token:test", now=1200.0)
    with pytest.raises(ratelimit.RateLimited) as refused:
        ratelimit.check("token:test", now=1230.0)
    assert refused.value.headers["Retry-After"] == "30"
    assert ratelimit.check("token:test", now=1260.0) == 1


def test_the_rate_reads_like_the_setting(world):
    assert ratelimit.parse_rate("120/min") == (120, 60)
    assert ratelimit.parse_rate("5000/hour") == (5000, 3600)
    assert ratelimit.parse_rate("1000/5m") == (1000, 300)


# --- OpenAPI and documentation ----------------------------------------------------------------

def test_the_openapi_description_is_json_with_every_operation(world, anonymous):
    response = anonymous.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = json.loads(response.content)
    assert document["openapi"].startswith("3.") and document["info"]["version"] == "1"
    operations = {operation["operationId"] for methods in document["paths"].values()
                  for operation in methods.values()}
    routes = {pattern.name for pattern in api_v1.urls[0]} - {"openapi-json", "openapi-view",
                                                             "api-root"}
    assert routes <= operations
    assert {"list_devices", "get_device", "register_device", "list_tickets", "open_ticket",
            "get_ticket", "list_comments", "add_comment", "list_rmas", "request_rma",
            "get_rma", "list_contracts", "get_contract", "list_reports", "get_report",
            "download_report", "list_quotes", "get_quote", "accept_quote",
            "decline_quote"} <= operations
    schemes = document["components"]["securitySchemes"]
    assert schemes["BearerToken"]["scheme"] == "bearer"
    problem = document["paths"]["/api/v1/tickets"]["post"]["responses"]["422"]
    assert "application/problem+json" in problem["content"]


def test_the_documentation_page_uses_our_own_static_files(world, anonymous):
    response = anonymous.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets and all(asset.startswith("/static/") for asset in assets), assets
    # No address of a content delivery network anywhere, not only in src and href (the
    # page's random CSRF token may spell "cdn": only URLs are looked at).
    assert not [url for url in re.findall(r"https?://[^\s\"'<>]+", html)
                if "cdn" in url.lower()]
    for asset in assets:
        assert finders.find(asset.removeprefix("/static/")), asset


def test_the_device_list_costs_the_same_queries_for_ten_or_a_hundred(world, api,
                                                                     query_count_baseline):
    client = api("alpha_agent")
    model = ProductModel.objects.get(sku="VOY-TEST")

    def grow(count, start):
        with tenant_context(world.alpha):
            customers = [world.customer(world.alpha, s) for s in ("AL-0001", "AL-0002")]
            Device.objects.bulk_create([
                Device(serial=f"QC{index:08d}", product_model=model,
                       customer=customers[index % 2]) for index in range(start, start + count)])

    def queries():
        with query_count_baseline("GET /api/v1/devices") as captured:
            assert client.get("/api/v1/devices", {"limit": 200}).status_code == 200
        return captured.count

    grow(10, 0)
    client.get("/api/v1/devices")  # last used: written once, then not for a minute
    small = queries()
    grow(90, 10)
    assert queries() == small


def test_keys_are_forgotten_after_a_day(world, api):
    client = api("alpha_agent")
    key = {"Idempotency-Key": "old-key"}
    assert client.post("/api/v1/tickets", TICKET, **key).status_code == 201
    with tenant_context(world.alpha):
        IdempotencyKey.objects.update(created_at=timezone.now() - timedelta(hours=25))
    # Forgotten: the key is free for a new request, even before the purge runs.
    assert client.post("/api/v1/tickets", {**TICKET, "subject": "New"}, **key) \
        .status_code == 201
    with tenant_context(world.alpha):
        IdempotencyKey.objects.update(created_at=timezone.now() - timedelta(hours=25))
    assert purge_idempotency_keys() == 1
    with tenant_context(world.alpha):
        assert not IdempotencyKey.objects.exists()
