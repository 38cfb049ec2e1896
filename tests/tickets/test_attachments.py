"""Attachments: type checked by content, size limit, never served to the wrong person."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django_tenants.utils import tenant_context

from tickets import services
from tickets.models import Attachment

# Uploads, generates or downloads files: run again with files on S3 by `make test`.
pytestmark = pytest.mark.storage

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def open_for(world, tenant=None, site_id="AL-0001"):
    tenant = tenant or world.alpha
    with tenant_context(tenant):
        return services.open_ticket(
            user=world[f"{tenant.slug}_agent"].user, customer=world.customer(tenant, site_id),
            subject="Crash", description="Logs attached", category="technical", priority="P3")


def post(client, ticket, files, body="Here is the log", internal=False):
    data = {"body": body, "files": files}
    if internal:
        data["internal"] = "on"
    return client.post(f"/tickets/{ticket.pk}/comment/", data)


def test_a_customer_attaches_a_log_and_the_agent_downloads_it(world):
    ticket = open_for(world)
    post(world["alpha_customer1"].client(), ticket,
         [SimpleUploadedFile("device.log", b"boot failed\n"),
          SimpleUploadedFile("photo.png", PNG)])
    with tenant_context(world.alpha):
        log, photo = Attachment.objects.order_by("pk")
    assert (log.filename, log.content_type, log.size) == ("device.log", "text/plain", 12)
    assert photo.content_type == "image/png"
    assert "device.log" not in log.file.name  # nothing of the original name on disk
    response = world["alpha_agent"].client().get(
        f"/tickets/{ticket.pk}/attachments/{log.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"boot failed\n"
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("name,content,message", [
    ("setup.exe", b"MZ\x90\x00", "cannot be attached"),
    ("photo.png", b"MZ\x90\x00 not a png", "does not contain what its name says"),
    ("report.pdf", b"<html>", "does not contain what its name says"),
    ("empty.txt", b"", "is empty"),
])
def test_a_wrong_file_is_refused_and_the_message_is_lost_with_it(world, name, content,
                                                                 message):
    ticket = open_for(world)
    response = post(world["alpha_customer1"].client(), ticket,
                    [SimpleUploadedFile(name, content)])
    assert message in response.wsgi_request._messages._queued_messages[0].message
    with tenant_context(world.alpha):
        assert not Attachment.objects.exists()
        assert not ticket.comments.exists()  # all or nothing


@override_settings(TICKET_ATTACHMENT_MAX_BYTES=1024)
def test_a_file_over_the_size_limit_is_refused(world):
    ticket = open_for(world)
    response = post(world["alpha_customer1"].client(), ticket,
                    [SimpleUploadedFile("big.log", b"x" * 1025)])
    assert "the limit is 1.0" in response.wsgi_request._messages._queued_messages[0].message
    with tenant_context(world.alpha):
        assert not Attachment.objects.exists()


def test_an_internal_notes_attachment_never_reaches_the_customer(world):
    ticket = open_for(world)
    post(world["alpha_agent"].client(), ticket,
         [SimpleUploadedFile("internal.txt", b"SECRET")], body="internal", internal=True)
    with tenant_context(world.alpha):
        attachment = Attachment.objects.get()
    path = f"/tickets/{ticket.pk}/attachments/{attachment.pk}/"
    assert world["alpha_customer1"].client().get(path).status_code == 404
    assert "internal.txt" not in world["alpha_customer1"].client().get(
        f"/tickets/{ticket.pk}/").content.decode()
    assert world["alpha_agent"].client().get(path).status_code == 200


def test_attachments_are_not_reachable_from_elsewhere(world):
    ticket = open_for(world)
    other = open_for(world, site_id="AL-0002")
    post(world["alpha_customer1"].client(), ticket, [SimpleUploadedFile("a.txt", b"hello")])
    with tenant_context(world.alpha):
        attachment = Attachment.objects.get()
    path = f"/tickets/{ticket.pk}/attachments/{attachment.pk}/"
    # another customer of the same partner, another partner, a guessed ticket id
    assert world["alpha_customer2"].client().get(path).status_code == 404
    assert world["beta_agent"].client().get(path).status_code == 404
    assert world["alpha_agent"].client().get(
        f"/tickets/{other.pk}/attachments/{attachment.pk}/").status_code == 404
