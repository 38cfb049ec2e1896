"""Syncing through the API: `updated_since` and `ordering=updated_at` on every list, pages
that stay whole while rows change between them, and conditional reads (ETag, 304)."""

from datetime import UTC, datetime, timedelta
from datetime import timezone as dt_timezone

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import tenant_context

from inventory.models import Device, LensImport
from portal.site.api import api as partner_api
from reporting.models import MonthlyReport, TrueUpQuote
from tests.factories import DeviceFactory
from tickets.models import Rma, Ticket

from .conftest import make_sample

# Every list of the partners' API, with the model it lists and who may read it all.
LISTS = {
    "/api/v1/devices": Device, "/api/v1/tickets": Ticket, "/api/v1/rmas": Rma,
    "/api/v1/contracts": "contract", "/api/v1/reports": MonthlyReport,
    "/api/v1/true-up-quotes": TrueUpQuote, "/api/v1/lens-imports": LensImport,
    "/api/v1/customers": "customer",
}


def touch(world, model, pk):
    """A change through the model, as the pages and services save one."""
    with tenant_context(world.alpha):
        row = model.objects.get(pk=pk)
        row.save()


def model_of(path):
    from contracts.models import Contract, Customer

    kind = LISTS[path]
    return {"contract": Contract, "customer": Customer}.get(kind, kind)


def every_page(client, path, params, between=None):
    """The ids of every page in order; `between(page_number, items)` runs after each."""
    seen, cursor, number = [], None, 0
    while True:
        response = client.get(path, {**params, **({"cursor": cursor} if cursor else {})})
        assert response.status_code == 200, response.content[:300]
        data = response.json()
        seen += [item["id"] for item in data["items"]]
        number += 1
        if between:
            between(number, data["items"])
        cursor = data["next"]
        if cursor is None:
            return seen


@pytest.mark.parametrize("path", LISTS)
def test_a_row_changed_while_paging_comes_again_at_the_end_and_none_is_missed(
        world, api, samples, path):
    client = api("alpha_admin")
    everything = {item["id"] for item in client.get(path, {"limit": 200}).json()["items"]}
    assert len(everything) >= 2
    touched = []

    def change_the_first_row_seen(number, items):
        if number == 1:
            touched.append(items[0]["id"])
            touch(world, model_of(path), items[0]["id"])

    seen = every_page(client, path, {"ordering": "updated_at", "limit": 1},
                      change_the_first_row_seen)
    assert set(seen) == everything
    assert seen[-1] == touched[0]
    assert sorted(seen) == sorted([*everything, touched[0]])  # nothing else twice


@pytest.mark.parametrize("path", LISTS)
def test_updated_since_gives_only_what_changed(world, api, samples, path):
    client = api("alpha_admin")
    items = client.get(path, {"limit": 200}).json()["items"]
    assert all(item["updated_at"] for item in items)
    since = timezone.now()
    assert client.get(path, {"updated_since": since.isoformat()}).json() == {
        "items": [], "next": None}
    touch(world, model_of(path), items[-1]["id"])
    changed = client.get(path, {"updated_since": since.isoformat()}).json()["items"]
    assert [item["id"] for item in changed] == [items[-1]["id"]]
    assert datetime.fromisoformat(changed[0]["updated_at"]) >= since


def test_paging_by_updated_at_with_writes_between_pages(world, api, samples):
    """Many devices, four to a page; between pages, a device already read and one not read
    yet change: each of them comes (again) at the end, no other device twice, none
    missed."""
    since = timezone.now()
    with tenant_context(world.alpha):
        customer = samples["AL-0001"].customer
        model = samples["AL-0001"].device.product_model
        created = [DeviceFactory(serial=f"SYNC{index:03d}", product_model=model,
                                 customer=customer).pk for index in range(13)]
    client = api("alpha_agent")
    changed = []

    def writes(number, items):
        if number == 2:
            read, unread = items[0]["id"], created[-1]
            changed.extend([read, unread])
            with tenant_context(world.alpha):
                for pk in (read, unread):
                    device = Device.objects.get(pk=pk)
                    device.room = "Moved"
                    device.save()

    seen = every_page(client, "/api/v1/devices",
                      {"updated_since": since.isoformat(), "ordering": "updated_at",
                       "limit": 4}, writes)
    assert set(seen) == set(created)
    assert seen.count(changed[0]) == 2 and seen.count(changed[1]) == 1
    assert len(seen) == len(created) + 1
    assert seen[-2:] == changed


def test_most_recently_changed_first(world, api, samples):
    client = api("alpha_agent")
    since = min(sample.ticket.updated_at for sample in samples.values()).isoformat()
    items = client.get("/api/v1/tickets", {"ordering": "-updated_at",
                                           "updated_since": since}).json()["items"]
    stamps = [item["updated_at"] for item in items]
    assert len(stamps) == 2 and stamps == sorted(stamps, reverse=True)


@pytest.mark.parametrize("params", [
    {"updated_since": "2026-05-01T08:00:00"},  # no offset: which time would that be?
    {"updated_since": "yesterday"},
    {"updated_since": "0001-01-01T00:00:00+01:00"},  # before year 1 in UTC
    {"ordering": "serial"},
])
def test_an_unreadable_sync_parameter_is_refused(world, api, params):
    response = api("alpha_agent").get("/api/v1/devices", params)
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"


def test_a_cursor_given_back_with_another_ordering_is_refused(world, api, samples):
    client = api("alpha_admin")
    cursor = client.get("/api/v1/devices", {"limit": 1}).json()["next"]
    response = client.get("/api/v1/devices", {"limit": 1, "cursor": cursor,
                                              "ordering": "updated_at"})
    assert response.status_code == 422
    assert "cursor" in response.json()["errors"]


def test_an_update_through_a_service_moves_updated_at(world, api, samples):
    """Services that write with queryset.update() bump updated_at themselves."""
    from contracts.services import expire_contracts

    client = api("alpha_admin")
    since = timezone.now()
    with tenant_context(world.alpha):
        contract = samples["AL-0001"].contract
        assert expire_contracts(today=contract.end + timedelta(days=1)) >= 1
    changed = client.get("/api/v1/contracts", {"updated_since": since.isoformat()}).json()
    assert contract.pk in [item["id"] for item in changed["items"]]
    assert {item["status"] for item in changed["items"]} == {"expired"}


# --- Conditional reads --------------------------------------------------------------------

def test_an_unchanged_device_answers_304_and_a_change_a_new_etag(world, api, samples):
    client = api("alpha_agent")
    device = samples["AL-0001"].device
    path = f"/api/v1/devices/{device.pk}"
    first = client.get(path)
    etag = first["ETag"]
    assert first.status_code == 200 and etag.startswith('W/"')
    again = client.get(path, **{"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again["ETag"] == etag
    with tenant_context(world.alpha):
        Device.objects.filter(pk=device.pk).update(room="Board room")
    changed = client.get(path, **{"If-None-Match": etag})
    assert changed.status_code == 200 and changed.json()["room"] == "Board room"
    assert changed["ETag"] != etag


def test_an_unchanged_list_answers_304_until_a_row_changes(world, api, samples):
    client = api("alpha_agent")
    params = {"ordering": "updated_at"}
    etag = client.get("/api/v1/rmas", params)["ETag"]
    assert client.get("/api/v1/rmas", params, **{"If-None-Match": etag}).status_code == 304
    # Another filter is another answer.
    assert client.get("/api/v1/rmas", {"status": "closed"},
                      **{"If-None-Match": etag}).status_code == 200
    touch(world, Rma, samples["AL-0002"].rma.pk)
    response = client.get("/api/v1/rmas", params, **{"If-None-Match": etag})
    assert response.status_code == 200 and response["ETag"] != etag


def test_the_etag_depends_on_who_reads(world, api, samples):
    """A customer user's answer leaves out partner staff's fields: the agent's tag is not
    theirs."""
    ticket = samples["AL-0001"].ticket
    with tenant_context(world.alpha):
        Ticket.objects.filter(pk=ticket.pk).update(assignee=world["alpha_agent"].user)
    path = f"/api/v1/tickets/{ticket.pk}"
    etag = api("alpha_agent").get(path)["ETag"]
    response = api("alpha_customer1").get(path, **{"If-None-Match": etag})
    assert response.status_code == 200 and response.json()["assignee"] is None


def test_the_etag_follows_the_language(world, api, samples):
    device = samples["AL-0001"].spare
    with tenant_context(world.alpha):
        Device.objects.filter(pk=device.pk).update(status=Device.Status.RETIRED)
    path = f"/api/v1/devices/{device.pk}"
    client = api("alpha_agent")
    english = client.get(path, **{"Accept-Language": "en"})
    french = client.get(path, **{"Accept-Language": "fr", "If-None-Match": english["ETag"]})
    assert french.status_code == 200
    assert french.json()["coverage"]["messages"] != english.json()["coverage"]["messages"]


def test_the_openapi_document_declares_etag_and_if_none_match():
    schema = partner_api.get_openapi_schema(path_prefix="/api/v1/")
    for path, operation_id in [("/api/v1/devices", "list_devices"),
                               ("/api/v1/devices/{device_id}", "get_device"),
                               ("/api/v1/customers", "list_customers"),
                               ("/api/v1/customers/{customer_id}", "get_customer"),
                               ("/api/v1/rmas", "list_rmas")]:
        operation = schema["paths"][path]["get"]
        assert operation["operationId"] == operation_id
        assert "If-None-Match" in [p["name"] for p in operation["parameters"]]
        responses = {str(status): answer for status, answer in operation["responses"].items()}
        assert "ETag" in responses["200"]["headers"] and "ETag" in responses["304"]["headers"]
    names = [p["name"] for p in schema["paths"]["/api/v1/tickets"]["get"]["parameters"]]
    assert {"updated_since", "ordering"} <= set(names)


# --- Query counts ---------------------------------------------------------------------------

@pytest.mark.parametrize("path", LISTS)
def test_a_sync_page_costs_the_same_queries_with_more_rows(world, api, samples, path):
    client = api("alpha_admin")
    params = {"ordering": "updated_at", "updated_since": "2000-01-01T00:00:00+00:00"}

    def queries():
        with CaptureQueriesContext(connection) as context:
            assert client.get(path, params).status_code == 200
        return len(context)

    queries()  # the token's first use of the day is written once
    before = queries()
    with tenant_context(world.alpha):
        from contracts.models import Customer

        for site_id in ("AL-QC01", "AL-QC02"):
            customer = Customer.objects.create(name=f"Count {site_id}", site_id=site_id)
            make_sample(customer)
    assert queries() == before


def test_an_unchanged_answer_304_costs_no_more_queries_than_the_answer(world, api, samples):
    client = api("alpha_agent")
    first = client.get("/api/v1/devices")  # and the token's first use is written
    with CaptureQueriesContext(connection) as full:
        client.get("/api/v1/devices")
    with CaptureQueriesContext(connection) as conditional:
        assert client.get("/api/v1/devices",
                          **{"If-None-Match": first["ETag"]}).status_code == 304
    assert len(conditional) <= len(full)


def test_an_offset_beyond_what_the_database_takes_is_read_in_utc(world, api, samples):
    response = api("alpha_agent").get("/api/v1/devices",
                                      {"updated_since": "2000-01-01T00:00:00+17:45"})
    assert response.status_code == 200 and response.json()["items"]


def test_sync_times_are_read_with_their_offset(world, api, samples):
    """The same instant written in two offsets selects the same rows."""
    client = api("alpha_agent")
    instant = timezone.now() - timedelta(days=1)
    paris = instant.astimezone(dt_timezone(timedelta(hours=2))).isoformat()
    utc = instant.astimezone(UTC).isoformat()
    assert (client.get("/api/v1/devices", {"updated_since": paris}).json()
            == client.get("/api/v1/devices", {"updated_since": utc}).json())


def test_an_accepted_quote_brings_its_contract_into_the_next_sync(world, api, samples):
    """Its acceptance records the contract's next baseline version, which the contract's
    answer lists."""
    client = api("alpha_admin")
    contract = samples["AL-0001"].contract
    etag = client.get(f"/api/v1/contracts/{contract.pk}")["ETag"]
    since = timezone.now()
    response = client.post(f"/api/v1/true-up-quotes/{samples['AL-0001'].quote.pk}/accept",
                           {"po_number": "PO-SYNC-1"})
    assert response.status_code == 200, response.content[:300]
    synced = client.get("/api/v1/contracts", {"updated_since": since.isoformat()}).json()
    assert [item["id"] for item in synced["items"]] == [contract.pk]
    detail = client.get(f"/api/v1/contracts/{contract.pk}", **{"If-None-Match": etag})
    assert detail.status_code == 200 and len(detail.json()["baseline_versions"]) == 2


# --- A ticket's conversation ----------------------------------------------------------------

def comments_path(sample):
    return f"/api/v1/tickets/{sample.ticket.pk}/comments"


def attach(world, comment_id, name="later.txt"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tickets.attachments import store_attachment
    from tickets.models import Comment

    with tenant_context(world.alpha):
        store_attachment(Comment.objects.get(pk=comment_id),
                         SimpleUploadedFile(name, b"trace\n", content_type="text/plain"))


def test_a_tickets_comments_sync_and_a_file_attached_later_is_a_change(world, api, samples):
    client = api("alpha_agent")
    path = comments_path(samples["AL-0001"])
    items = client.get(path).json()["items"]
    assert len(items) == 2 and all(item["updated_at"] for item in items)
    since = timezone.now()
    assert client.get(path, {"updated_since": since.isoformat()}).json() == {
        "items": [], "next": None}
    written = client.post(path, {"body": "Firmware 3.2 fixes it"}).json()
    oldest = items[0]["id"]
    attach(world, oldest)
    changed = client.get(path, {"updated_since": since.isoformat()}).json()["items"]
    assert [item["id"] for item in changed] == [oldest, written["id"]]  # by when written
    assert "later.txt" in [a["filename"] for a in changed[0]["attachments"]]
    by_change = client.get(path, {"updated_since": since.isoformat(),
                                  "ordering": "updated_at"}).json()["items"]
    assert [item["id"] for item in by_change] == [written["id"], oldest]


def test_paging_a_conversation_by_updated_at_with_a_file_attached_between_pages(
        world, api, samples):
    client = api("alpha_agent")
    path = comments_path(samples["AL-0001"])
    for number in range(3):
        client.post(path, {"body": f"Answer {number}"})
    everything = [item["id"] for item in client.get(path).json()["items"]]
    touched = []

    def attach_to_the_first_comment_seen(number, items):
        if number == 1:
            touched.append(items[0]["id"])
            attach(world, items[0]["id"])

    seen = every_page(client, path, {"ordering": "updated_at", "limit": 2},
                      attach_to_the_first_comment_seen)
    assert sorted(seen) == sorted([*everything, touched[0]]) and seen[-1] == touched[0]


def test_a_customer_user_syncs_no_internal_note_and_another_customer_none(world, api,
                                                                          samples):
    since = {"updated_since": "2000-01-01T00:00:00+00:00"}
    own = api("alpha_customer1").get(comments_path(samples["AL-0001"]), since)
    assert own.status_code == 200
    assert [item["internal"] for item in own.json()["items"]] == [False]
    other = api("alpha_customer1").get(comments_path(samples["AL-0002"]), since)
    assert other.status_code == 404 and b"looking into it" not in other.content
    beta = api("beta_agent").get(comments_path(samples["AL-0001"]), since)
    assert beta.status_code == 404


def test_an_unchanged_conversation_answers_304_until_a_file_is_attached(world, api, samples):
    client = api("alpha_agent")
    path = comments_path(samples["AL-0001"])
    first = client.get(path)
    etag = first["ETag"]
    assert client.get(path, **{"If-None-Match": etag}).status_code == 304
    # A customer user's answer leaves the internal note out: another tag.
    assert api("alpha_customer1").get(path, **{"If-None-Match": etag}).status_code == 200
    attach(world, first.json()["items"][0]["id"])
    response = client.get(path, **{"If-None-Match": etag})
    assert response.status_code == 200 and response["ETag"] != etag
    operation = partner_api.get_openapi_schema(path_prefix="/api/v1/")["paths"][
        "/api/v1/tickets/{ticket_id}/comments"]["get"]
    names = {parameter["name"] for parameter in operation["parameters"]}
    assert {"updated_since", "ordering", "If-None-Match"} <= names


def test_a_conversation_sync_page_costs_the_same_queries_with_more_comments(
        world, api, samples):
    client = api("alpha_agent")
    path = comments_path(samples["AL-0001"])
    params = {"ordering": "updated_at", "updated_since": "2000-01-01T00:00:00+00:00"}

    def queries():
        with CaptureQueriesContext(connection) as context:
            response = client.get(path, params)
        assert response.status_code == 200
        return len(context), len(response.json()["items"])

    queries()  # the token's first use of the day is written once
    before, few = queries()
    for number in range(3):
        written = client.post(path, {"body": f"Answer {number}"}).json()
        attach(world, written["id"], f"trace{number}.txt")
    after, many = queries()
    assert after == before and many == few + 3
