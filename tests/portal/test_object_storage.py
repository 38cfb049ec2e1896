"""Every stored file, on the local disk or in the S3 bucket (`make test` runs this file
both ways): a partner's files under the partner's prefix, the vendor's under its own,
private objects, and nothing read through a local path."""

import io
import urllib.error
import urllib.request

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django_tenants.utils import tenant_context
from PIL import Image

from inventory.lens import jobs
from portal.catalogue.models import Document, ProductModel
from portal.tenants.branding import logo_uri
from portal.tenants.models import Partner
from reporting.pdf import render_report_html
from tests.contracts.test_authorisation_letters import upload as letter_upload
from tests.files import object_key, on_s3, stored_bytes
from tests.test_access_matrix import sample_attachment, sample_report

pytestmark = pytest.mark.storage


def gif_logo():
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (0, 128, 0)).save(buffer, format="GIF")
    return SimpleUploadedFile("logo.gif", buffer.getvalue(), content_type="image/gif")


def branding_form():
    return {"name": "Alpha Communications", "primary_colour": "#112233",
            "accent_colour": "#abcdef", "support_phone": "+44 20 0000 0009",
            "support_email": "help@alpha.example", "email_sender_name": "Alpha Support",
            "default_language": "en", "logo": gif_logo()}


def stored_files_of_alpha(world):
    """One file of each kind a partner has, uploaded or generated the way the portal does."""
    alpha_admin, alpha_agent = world["alpha_admin"].client(), world["alpha_agent"].client()
    customer = world.customer(world.alpha, "AL-0001")
    assert alpha_admin.post("/branding/", branding_form()).status_code == 302
    assert alpha_agent.post(f"/customers/{customer.pk}/letters/add/",
                            letter_upload()).status_code == 302
    with tenant_context(world.alpha):
        lens_import = jobs.create_import(customer=customer, upload=ContentFile(b"serial\n"),
                                         filename="lens.csv")
        report = sample_report(world, world.alpha)
        report.pdf.save("report.pdf", ContentFile(b"%PDF-1.4 report"), save=True)
        files = {"attachment": sample_attachment(world, world.alpha).file,
                 "letter": customer.authorisation_letters.get().file,
                 "lens import": lens_import.file, "report": report.pdf,
                 "logo": Partner.objects.get(pk=world.alpha.pk).logo}
        return {kind: (object_key(file), stored_bytes(file), file)
                for kind, file in files.items()}


def test_every_file_of_a_partner_is_stored_under_the_partners_prefix(world):
    for kind, (key, content, _) in stored_files_of_alpha(world).items():
        assert key.startswith(f"{world.alpha.schema_name}/"), (kind, key)
        assert content, kind


def test_a_logo_uploaded_from_the_console_is_stored_under_the_partners_prefix(world):
    console = world["vendor_admin"].client()
    response = console.post("/partners/beta/branding/", {
        "name": "Beta Réseaux", "primary_colour": "#000080", "accent_colour": "#fedcba",
        "support_phone": "", "support_email": "aide@beta.example",
        "email_sender_name": "Beta", "default_language": "fr", "logo": gif_logo()})
    assert response.status_code == 302
    beta = Partner.objects.get(pk=world.beta.pk)
    assert object_key(beta.logo).startswith(f"{world.beta.schema_name}/branding/")
    served = world["beta_admin"].client().get("/branding/logo/")
    assert b"".join(served.streaming_content) == stored_bytes(beta.logo)
    assert console.get("/partners/beta/logo/").status_code == 200


def test_catalogue_files_are_stored_under_the_vendors_prefix(world):
    document = Document.objects.create(
        product_model=ProductModel.objects.first(), title="Datasheet",
        file=ContentFile(b"%PDF-1.4 datasheet", name="datasheet.pdf"))
    assert object_key(document.file).startswith("catalogue/documents/")
    assert stored_bytes(document.file) == b"%PDF-1.4 datasheet"


def test_a_partner_cannot_take_the_vendors_prefix(world):
    from portal.tenants.services import RESERVED_SLUGS

    assert "catalogue" in RESERVED_SLUGS


def test_stored_objects_are_private_and_nothing_is_written_to_the_local_disk(world):
    if not on_s3():
        pytest.skip("S3 only: `make test` runs it in its S3 pass (TEST_STORAGE=s3)")
    stored = stored_files_of_alpha(world)
    endpoint = settings.STORAGES["default"]["OPTIONS"]["endpoint_url"]
    bucket = settings.STORAGES["default"]["OPTIONS"]["bucket_name"]
    for kind, (key, content, file) in stored.items():
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"{endpoint}/{bucket}/{key}", timeout=10)
        assert refused.value.code == 403, kind
        # The object is there: a signed request reads it.
        with tenant_context(world.alpha):
            signed = file.storage.url(file.name)
        with urllib.request.urlopen(signed, timeout=10) as response:
            assert response.read() == content, kind
        assert not (settings.MEDIA_ROOT / key).exists(), kind


def test_the_report_pdf_embeds_the_logo_read_from_the_store(world):
    world["alpha_admin"].client().post("/branding/", branding_form())
    alpha = Partner.objects.get(pk=world.alpha.pk)
    assert logo_uri(alpha).startswith("data:image/gif;base64,R0lGOD")  # GIF8
    with tenant_context(world.alpha):
        html = render_report_html(sample_report(world, world.alpha), alpha)
    assert 'src="data:image/gif;base64,' in html


def test_a_logo_missing_from_the_store_leaves_the_name_in_the_pdf(world):
    world["alpha_admin"].client().post("/branding/", branding_form())
    alpha = Partner.objects.get(pk=world.alpha.pk)
    alpha.logo.storage.delete(alpha.logo.name)
    assert logo_uri(alpha) == ""


# manage.py move_files_to_storage ----------------------------------------------------------

def test_moving_a_local_folder_copies_each_file_under_its_path_once(world, tmp_path):
    files = {"alpha/authorisation-letters/0123.pdf": b"%PDF-1.4 letter",
             "alpha/branding/4567.gif": b"GIF89a",
             "catalogue/documents/89ab.pdf": b"%PDF-1.4 datasheet"}
    for key, content in files.items():
        (tmp_path / key).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / key).write_bytes(content)
    store = storages["root"]
    out = io.StringIO()
    try:
        call_command("move_files_to_storage", source=str(tmp_path), stdout=out)
        assert "3 file(s) copied, 0 already in the store." in out.getvalue()
        for key, content in files.items():
            with store.open(key, "rb") as handle:
                assert handle.read() == content
        # Partners and the vendor read them under the names the portal keeps.
        with tenant_context(world.alpha):
            assert storages["default"].exists("authorisation-letters/0123.pdf")
        assert storages["catalogue"].exists("documents/89ab.pdf")

        again = io.StringIO()
        call_command("move_files_to_storage", source=str(tmp_path), delete=True, stdout=again)
        assert "0 file(s) copied, 3 already in the store, local copies deleted." in \
            again.getvalue()
        assert not any(path.is_file() for path in tmp_path.rglob("*"))
    finally:
        for key in files:
            store.delete(key)


def test_moving_the_configured_local_folder_onto_itself_is_refused(world):
    if on_s3():
        pytest.skip("local storage only")
    with pytest.raises(CommandError, match="STORAGE_BACKEND=s3"):
        call_command("move_files_to_storage")



# Logos named before partner prefixes (migration tenants 0004) --------------------------

def test_a_logo_of_the_old_layout_moves_under_its_partners_prefix(world):
    if on_s3():
        pytest.skip("the old layout was a local folder only")
    from importlib import import_module

    from django.apps import apps

    migration = import_module("portal.tenants.migrations.0004_logos_under_partner_prefix")
    legacy = settings.MEDIA_ROOT / "branding" / "logos" / "0123abcd.gif"
    legacy.parent.mkdir(parents=True, exist_ok=True)
    legacy.write_bytes(b"GIF89a old")
    Partner.objects.filter(pk=world.alpha.pk).update(logo="logos/0123abcd.gif")

    migration.move_logos(apps, None)

    alpha = Partner.objects.get(pk=world.alpha.pk)
    assert alpha.logo.name == f"{world.alpha.schema_name}/branding/0123abcd.gif"
    assert stored_bytes(alpha.logo) == b"GIF89a old" and not legacy.exists()
    alpha.logo.storage.delete(alpha.logo.name)
