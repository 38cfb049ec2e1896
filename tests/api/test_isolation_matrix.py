"""Every API operation × every persona: who gets an answer, who gets 401, who gets 404.

The table is built from the API's own OpenAPI description, so an operation is covered the
moment it exists: it needs a body below if it is a POST, and its path parameters must name
a kind of sample object. Never data: another partner's token (or none) is refused with 401,
another customer's object is not found (404), and no answer to a customer user carries
another customer's Site ID or name, nor an internal note.
"""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from portal.site.api import api
from tests.api.conftest import INTERNAL_NOTE, ApiClient, make_token

# Uploads, generates or downloads files: run again with files on S3 by `make test`.
pytestmark = pytest.mark.storage

# Path parameter → the sample object it names.
PATH_OBJECTS = {"device_id": "device", "ticket_id": "ticket", "rma_id": "rma",
                "contract_id": "contract", "report_id": "report", "quote_id": "quote",
                "lens_import_id": "lens_import", "comment_id": "comment",
                "attachment_id": "attachment", "endpoint_id": "webhook_endpoint",
                "delivery_id": "webhook_delivery", "customer_id": "customer"}


# A valid body of each POST for the sample's customer; `tag` keeps serials apart.
BODIES = {
    "register_device": lambda sample, tag: {"site_id": sample.site_id, "serial": tag,
                                            "model": "VOY-TEST"},
    "open_ticket": lambda sample, tag: {"site_id": sample.site_id, "subject": "Matrix",
                                        "description": "Test"},
    "add_comment": lambda sample, tag: {"body": "Any news?"},
    "change_status": lambda sample, tag: {"status": "in_progress"},
    "escalate": lambda sample, tag: {"reason": "Beyond our tools"},
    "request_rma": lambda sample, tag: {"site_id": sample.site_id,
                                        "serial": sample.spare.serial, "fault": "No sound"},
    "accept_quote": lambda sample, tag: {"po_number": f"PO-{tag}"},
    "decline_quote": lambda sample, tag: {"reason": "Budget"},
    "confirm_lens_import_review": lambda sample, tag: {},
    "discard_lens_import_review": lambda sample, tag: {},
    "create_lens_import": lambda sample, tag: {
        "site_id": sample.site_id, "full_export": "false",
        "file": SimpleUploadedFile("lens.csv", f"Serial Number,Product\n{tag},VOY-TEST\n"
                                   .encode(), content_type="text/csv")},
    "map_lens_import_headers": lambda sample, tag: {"columns": []},
    "update_ticket": lambda sample, tag: {"status": "in_progress"},
    "register_devices": lambda sample, tag: {"site_id": sample.site_id, "devices": [
        {"serial": f"{tag}A", "model": "VOY-TEST"}, {"serial": f"{tag}B", "model": "VOY-TEST"}]},
    "attach_files": lambda sample, tag: {"files": SimpleUploadedFile(
        "trace.txt", b"trace", content_type="text/plain")},
    "create_webhook_endpoint": lambda sample, tag: {"url": f"https://93.184.215.14/{tag}",
                                                    "events": ["device.changed"]},
    "update_webhook_endpoint": lambda sample, tag: {"events": ["ticket.escalated"]},
    "redeliver_webhook_delivery": lambda sample, tag: {},
}
# Requests sent as multipart/form-data (file uploads) rather than JSON.
MULTIPART = {"create_lens_import", "attach_files"}


# Operations the pages keep to some roles (the quote page is the partner administrator's).
ADMIN_ONLY = {"list_quotes", "get_quote", "accept_quote", "decline_quote",
              "list_webhook_endpoints", "create_webhook_endpoint", "get_webhook_endpoint",
              "update_webhook_endpoint", "delete_webhook_endpoint",
              "list_webhook_deliveries", "redeliver_webhook_delivery"}
# ... and to partner staff (the Lens import pages).
STAFF_ONLY = {"list_customers", "list_lens_imports", "get_lens_import", "create_lens_import",
              "escalate",
              "confirm_lens_import_review", "discard_lens_import_review",
              "map_lens_import_headers"}
# ... and what needs its object in a state of its own: the sample import has failed, it
# neither waits for review nor for its columns to be mapped.
REFUSED_IN_SAMPLE_STATE = {"confirm_lens_import_review", "discard_lens_import_review",
                           "map_lens_import_headers"}
# ... and what the ticket workflow refuses a customer user (moving a new ticket on).
WORKFLOW_REFUSES_CUSTOMERS = {"change_status", "update_ticket"}
# ... and files added to the sample's answer, which none of the personas wrote.
REFUSED_NOT_AUTHOR = {"attach_files"}
PERSONAS = ["alpha_admin", "alpha_agent", "alpha_customer1"]


def operations():
    schema = api.get_openapi_schema(path_prefix="/api/v1/")
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield method.upper(), path, operation["operationId"]


def request(client, method, path, sample, persona, operation_id):
    """The answer and its body; what the request changed is rolled back, so that
    every operation meets the samples as they were made."""
    kwargs = {name: getattr(sample, kind).pk for name, kind in PATH_OBJECTS.items()}
    url = path.format(**kwargs)
    with transaction.atomic():
        if method == "GET":
            response = client.get(url)
        elif method == "DELETE":
            response = client.client.delete(url, headers=client.headers)
        elif method == "PATCH":
            response = client.client.patch(
                url, json.dumps(BODIES[operation_id](sample, persona)),
                content_type="application/json", headers=client.headers)
        else:
            tag = (sample.site_id + persona).upper().replace("-", "").replace("_", "")[:40]
            body = BODIES[operation_id](sample, tag)
            if operation_id in MULTIPART:
                response = client.upload(url, body)
            else:
                response = client.post(url, body)
        transaction.set_rollback(True)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body


def test_every_operation_has_a_sample():
    for method, path, operation_id in operations():
        for name in path.split("{")[1:]:
            assert name.split("}")[0] in PATH_OBJECTS, f"{path}: map {name} to a sample"
        if method in ("POST", "PATCH"):
            assert operation_id in BODIES, f"give {operation_id} a body"
        assert method in ("GET", "POST", "PATCH", "DELETE"), (
            f"{method} {path}: add it to the matrix")


@pytest.mark.parametrize("who", ["anonymous", "garbage", "beta_admin", "beta_customer1"])
def test_no_token_or_another_partners_token_is_refused_everywhere(world, samples, who):
    own = samples["AL-0001"]
    if who == "anonymous":
        client = ApiClient(world.alpha.primary_domain)
    elif who == "garbage":
        client = ApiClient(world.alpha.primary_domain, "ppe_" + "x" * 40)
    else:
        client = ApiClient(world.alpha.primary_domain, make_token(world[who]))
    for method, path, operation_id in operations():
        response, body = request(client, method, path, own, who, operation_id)
        assert response.status_code == 401, f"{who} {method} {path}"
        assert response["Content-Type"] == "application/problem+json"
        assert b"AL-0001" not in body


def test_another_partner_never_sees_alpha_through_its_own_portal(world, samples):
    """Beta's administrator on Beta's portal, with the ids, Site IDs and serial numbers of
    Alpha's objects: Beta's schema has none of them (a Site ID sent comes back only in
    the message that says it is unknown)."""
    client = ApiClient(world.beta.primary_domain, make_token(world["beta_admin"]))
    for method, path, operation_id in operations():
        response, body = request(client, method, path, samples["AL-0001"], "beta_admin",
                                 operation_id)
        # Creating an endpoint names nothing of Alpha's: Beta gets its own.
        expected = (201,) if operation_id == "create_webhook_endpoint" else (200, 404, 422)
        assert response.status_code in expected, f"{method} {path}"
        for marker in (b"Alpha Customer", b"AL-0002", b"AL0001HS0", b"It crackles"):
            assert marker not in body, f"{method} {path}"


@pytest.mark.parametrize("persona", PERSONAS)
def test_each_role_reaches_what_the_pages_allow(world, samples, persona):
    client = ApiClient(world[persona].host, make_token(world[persona]))
    for method, path, operation_id in operations():
        response, body = request(client, method, path, samples["AL-0001"], persona,
                                 operation_id)
        if operation_id in ADMIN_ONLY and persona != "alpha_admin":
            assert response.status_code == 404, f"{persona} {method} {path}"
        elif operation_id in STAFF_ONLY and persona == "alpha_customer1":
            assert response.status_code == 404, f"{persona} {method} {path}"
        elif operation_id in WORKFLOW_REFUSES_CUSTOMERS and persona == "alpha_customer1":
            assert response.status_code == 422, f"{persona} {method} {path}"
        elif operation_id in REFUSED_NOT_AUTHOR:
            assert response.status_code == 422, f"{persona} {method} {path}"
        elif operation_id in REFUSED_IN_SAMPLE_STATE:
            assert response.status_code == 422, f"{persona} {method} {path}"
        else:
            assert response.status_code in (200, 201, 202, 204), (
                f"{persona} {method} {path}: {response.status_code} {body[:300]}")
        if persona == "alpha_customer1":
            assert INTERNAL_NOTE.encode() not in body, f"{method} {path}"


def test_a_customer_user_never_reaches_another_customers_objects(world, samples):
    persona = "alpha_customer1"
    client = ApiClient(world[persona].host, make_token(world[persona]))
    foreign = samples["AL-0002"]
    for method, path, operation_id in operations():
        response, body = request(client, method, path, foreign, persona, operation_id)
        if "{" in path:
            assert response.status_code == 404, f"{method} {path}"
        else:
            assert response.status_code < 500, f"{method} {path}"
        for marker in (b"AL-0002", b"Alpha Customer Two", INTERNAL_NOTE.encode()):
            assert marker not in body, f"{method} {path}"


def test_a_read_only_token_changes_nothing(world, samples):
    client = ApiClient(world["alpha_admin"].host, make_token(world["alpha_admin"], "read"))
    for method, path, operation_id in operations():
        response, body = request(client, method, path, samples["AL-0001"], "alpha_admin",
                                 operation_id)
        if method != "GET":
            assert response.status_code == 403, f"{method} {path}"
            assert response.json()["type"] == "/api/v1/problems/insufficient-scope"
        else:
            assert response.status_code == 200, f"{method} {path}"
