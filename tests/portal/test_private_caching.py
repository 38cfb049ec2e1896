"""What a signed-in user or an API token is shown is never kept by a browser's cache or a
proxy (`Cache-Control: private, no-store`); what anyone may see keeps its own caching."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django_tenants.utils import tenant_context

from tests.api.conftest import ApiClient, make_token
from tests.tickets.test_attachments import open_for, post
from tickets.models import Attachment

NO_STORE = "private, no-store"


def test_a_signed_in_page_is_never_stored(world):
    for persona, path in [("alpha_agent", "/devices/"), ("alpha_customer1", "/tickets/"),
                          ("vendor_admin", "/partners/")]:
        response = world[persona].client().get(path)
        assert response.status_code == 200
        assert response["Cache-Control"] == NO_STORE, (persona, path)


def test_a_csv_export_is_never_stored(world):
    response = world["alpha_agent"].client().get("/devices/", {"format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    assert response["Cache-Control"] == NO_STORE


def test_a_downloaded_attachment_is_never_stored(world):
    ticket = open_for(world)
    post(world["alpha_customer1"].client(), ticket,
         [SimpleUploadedFile("device.log", b"boot failed\n")])
    with tenant_context(world.alpha):
        attachment = Attachment.objects.get()
    response = world["alpha_agent"].client().get(
        f"/tickets/{ticket.pk}/attachments/{attachment.pk}/")
    assert response.status_code == 200
    assert response["Cache-Control"] == NO_STORE


def test_an_api_answer_to_a_token_is_never_stored(world):
    api = ApiClient("alpha.localhost", make_token(world["alpha_agent"]))
    response = api.get("/api/v1/devices")
    assert response.status_code == 200
    assert response["Cache-Control"] == NO_STORE
    refused = ApiClient("alpha.localhost", "ppe_not-a-token").get("/api/v1/devices")
    assert refused.status_code == 401
    assert refused["Cache-Control"] == NO_STORE


def test_what_anyone_may_see_keeps_its_own_caching(world):
    signed_in = world["alpha_agent"].client()
    assert "public" in signed_in.get("/branding/colours.css")["Cache-Control"]
    anonymous = Client(HTTP_HOST="alpha.localhost")
    assert "no-store" not in anonymous.get("/branding/colours.css")["Cache-Control"]
