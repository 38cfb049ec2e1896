import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from portal.catalogue.models import Document, ProductModel, SoftwareRelease
from tests.files import object_key, stored_bytes

# Uploads, generates or downloads files: run again with files on S3 by `make test`.
pytestmark = pytest.mark.storage

PDF = b"%PDF-1.4\n" + b"datasheet content " * 200
FIRMWARE = bytes(range(256)) * 64


def product():
    return ProductModel.objects.get(sku="VOY-TEST")


def upload_document(client, content=PDF, name="Voyager datasheet.pdf", **fields):
    data = {"title": "Voyager datasheet", "kind": "datasheet", "language": "en",
            "file": SimpleUploadedFile(name, content, content_type="application/pdf"),
            **fields}
    return client.post(f"/catalogue/models/{product().pk}/documents/", data)


def upload_release(client, content=FIRMWARE, version="4.3.0", **fields):
    data = {"version": version, "release_date": "2026-10-01",
            "release_notes": "Fixes.\nImprovements.",
            "file": SimpleUploadedFile("voyager-4.3.0.bin", content,
                                       content_type="application/octet-stream"),
            **fields}
    return client.post(f"/catalogue/models/{product().pk}/releases/", data)


def download(client, path):
    response = client.get(path)
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    response.close()
    return response, content


def test_the_vendor_admin_uploads_a_document_and_staff_download_it(world):
    client = world["vendor_admin"].client()
    response = upload_document(client)
    assert response.status_code == 302
    assert response["Location"] == f"/catalogue/models/{product().pk}/"
    document = Document.objects.get()
    assert (document.title, document.original_filename, document.size) == (
        "Voyager datasheet", "Voyager datasheet.pdf", len(PDF))
    assert object_key(document.file).startswith("catalogue/documents/")
    assert stored_bytes(document.file) == PDF
    assert "Voyager datasheet" not in document.file.name  # a random, unguessable name

    body = client.get(f"/catalogue/models/{product().pk}/").content.decode()
    assert f'href="/catalogue/files/document/{document.pk}/"' in body
    assert document.file.name not in body
    assert document.file.name.split("/")[-1] not in body
    assert "/media/" not in body

    response, content = download(world["csm"].client(),
                                 f"/catalogue/files/document/{document.pk}/")
    assert content == PDF
    assert response["Content-Disposition"].startswith("attachment;")
    assert "Voyager datasheet.pdf" in response["Content-Disposition"]
    assert document.file.name not in str(response.headers)


def test_a_release_gets_its_checksum_from_the_file_itself(world):
    client = world["vendor_admin"].client()
    response = upload_release(client, checksum_sha256="0" * 64)
    assert response.status_code == 302
    release = SoftwareRelease.objects.get()
    assert release.checksum_sha256 == hashlib.sha256(FIRMWARE).hexdigest()
    assert release.release_notes == "Fixes.\nImprovements."

    body = client.get(f"/catalogue/models/{product().pk}/").content.decode()
    assert release.checksum_sha256 in body
    assert release.file.name not in body
    response, content = download(world["support_engineer"].client(),
                                 f"/catalogue/files/release/{release.pk}/")
    assert content == FIRMWARE
    assert hashlib.sha256(content).hexdigest() == release.checksum_sha256


def test_a_version_is_released_once_per_model(world):
    client = world["vendor_admin"].client()
    upload_release(client, version="4.3.0")
    response = upload_release(client, version="4.3.0")
    assert response.status_code == 200
    assert "version" in response.context["release_form"].errors
    assert SoftwareRelease.objects.count() == 1


def test_an_upload_over_the_limit_is_refused(world, settings):
    settings.CATALOGUE_FILE_MAX_BYTES = 1000
    client = world["vendor_admin"].client()
    response = upload_document(client, content=b"x" * 1001)
    assert response.status_code == 200
    assert "file" in response.context["document_form"].errors
    assert "the limit is 1000" in response.content.decode()
    response = upload_release(client, content=b"x" * 1001)
    assert "file" in response.context["release_form"].errors
    assert not Document.objects.exists() and not SoftwareRelease.objects.exists()


def test_csms_download_but_do_not_upload(world):
    upload_document(world["vendor_admin"].client())
    document = Document.objects.get()
    client = world["csm"].client()
    body = client.get(f"/catalogue/models/{product().pk}/").content.decode()
    assert "Voyager datasheet" in body
    assert "/documents/" not in body and "/releases/" not in body  # no upload forms
    assert upload_document(client, title="Sneaky").status_code == 404
    assert upload_release(client).status_code == 404
    assert Document.objects.count() == 1 and not SoftwareRelease.objects.exists()
    _, content = download(client, f"/catalogue/files/document/{document.pk}/")
    assert content == PDF


def test_downloads_of_unknown_or_missing_files_are_not_found(world):
    upload_document(world["vendor_admin"].client())
    document = Document.objects.get()
    client = world["csm"].client()
    assert client.get(f"/catalogue/files/secret/{document.pk}/").status_code == 404
    assert client.get(f"/catalogue/files/release/{document.pk}/").status_code == 404
    document.file.storage.delete(document.file.name)
    assert client.get(f"/catalogue/files/document/{document.pk}/").status_code == 404


def test_partner_portals_do_not_serve_catalogue_files(world):
    upload_document(world["vendor_admin"].client())
    document = Document.objects.get()
    client = world["alpha_admin"].client()
    assert client.get(f"/catalogue/files/document/{document.pk}/").status_code == 404
