"""Signed authorisation letters (SPEC §7): when a cloud-partner incident may be opened on a
customer's behalf, and who may upload, revoke and download the letters."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import timezone
from django_tenants.utils import tenant_context

from contracts import services
from contracts.models import AuthorisationLetter, Customer
from portal import formats
from tests.files import object_key

# Uploads, generates or downloads files: run again with files on S3 by `make test`.
pytestmark = pytest.mark.storage

PDF = (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
       b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
       b"trailer << /Root 1 0 R >>\n%%EOF\n")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
ZIP = b"PK\x03\x04" + b"\x00" * 64  # a .docx, say


def make_letter(customer, signed_on, expires_on, **fields):
    """A letter stored as-is: no upload checks, so any dates can be tried."""
    letter = AuthorisationLetter(customer=customer, original_filename="letter.pdf",
                                 signatory=fields.pop("signatory", "Ada Lovelace"),
                                 signed_on=signed_on, expires_on=expires_on, **fields)
    letter.file.save("letter.pdf", ContentFile(PDF), save=False)
    letter.save()
    return letter


def letter_of(world, site_id, signed_on=date(2026, 1, 1), expires_on=date(2026, 12, 31),
              tenant=None, **fields):
    tenant = tenant or world.alpha
    with tenant_context(tenant):
        return make_letter(world.customer(tenant, site_id), signed_on, expires_on, **fields)


def long_date(value):
    return formats.long_date(value)


def upload(name="signed-letter.pdf", content=PDF, **overrides):
    data = {"signatory": "Ian Brooks", "signatory_title": "Head of IT",
            "signed_on": "2026-03-01", "expires_on": "2027-02-28",
            "file": SimpleUploadedFile(name, content)}
    data.update(overrides)
    return data


# Validity --------------------------------------------------------------------------------

def test_without_a_letter_no_incident_may_be_opened(world):
    with tenant_context(world.alpha):
        customer = world.customer(world.alpha, "AL-0001")
        assert services.valid_authorisation_letter(customer, date(2026, 6, 1)) is None
        refusal = services.authorisation_letter_refusal(customer, date(2026, 6, 1))
    assert "No signed authorisation letter" in refusal


def test_a_letter_is_valid_on_its_expiry_date(world):
    letter = letter_of(world, "AL-0001", expires_on=date(2026, 6, 30))
    with tenant_context(world.alpha):
        customer = letter.customer
        assert services.valid_authorisation_letter(customer, date(2026, 6, 30)) == letter
        assert services.authorisation_letter_refusal(customer, date(2026, 6, 30)) is None


def test_a_letter_is_no_longer_valid_the_day_after_its_expiry(world):
    letter = letter_of(world, "AL-0001", expires_on=date(2026, 6, 30))
    with tenant_context(world.alpha):
        assert services.valid_authorisation_letter(letter.customer, date(2026, 7, 1)) is None
        refusal = services.authorisation_letter_refusal(letter.customer, date(2026, 7, 1))
    assert "expired on" in refusal and long_date(date(2026, 6, 30)) in refusal


def test_a_letter_is_valid_from_the_day_it_was_signed(world):
    letter = letter_of(world, "AL-0001", signed_on=date(2026, 3, 1))
    with tenant_context(world.alpha):
        assert services.valid_authorisation_letter(letter.customer, date(2026, 3, 1)) == letter
        assert services.valid_authorisation_letter(letter.customer, date(2026, 2, 28)) is None
        refusal = services.authorisation_letter_refusal(letter.customer, date(2026, 2, 28))
    assert "only valid from" in refusal and long_date(date(2026, 3, 1)) in refusal


def test_the_valid_letter_running_longest_is_the_one_on_file(world):
    letter_of(world, "AL-0001", expires_on=date(2026, 9, 30))
    longest = letter_of(world, "AL-0001", expires_on=date(2027, 3, 31))
    letter_of(world, "AL-0001", expires_on=date(2026, 5, 31))
    with tenant_context(world.alpha):
        found = services.valid_authorisation_letter(longest.customer, date(2026, 6, 1))
    assert found == longest


def test_a_revoked_letter_is_not_valid_and_the_refusal_says_so(world):
    letter = letter_of(world, "AL-0001")
    with tenant_context(world.alpha):
        services.revoke_authorisation_letter(letter, revoked_by=world["alpha_admin"].user)
        assert services.valid_authorisation_letter(letter.customer, date(2026, 6, 1)) is None
        refusal = services.authorisation_letter_refusal(letter.customer, date(2026, 6, 1))
        letter.refresh_from_db()
    assert "revoked on" in refusal
    assert letter.status_on(date(2026, 6, 1)) == AuthorisationLetter.Status.REVOKED


def test_another_customers_letter_does_not_count(world):
    letter_of(world, "AL-0002")
    with tenant_context(world.alpha):
        customer = world.customer(world.alpha, "AL-0001")
        assert services.valid_authorisation_letter(customer, date(2026, 6, 1)) is None


def test_the_expiry_must_come_after_the_signature_even_in_the_database(world):
    from django.db import IntegrityError, transaction

    with tenant_context(world.alpha), pytest.raises(IntegrityError), transaction.atomic():
        make_letter(world.customer(world.alpha, "AL-0001"), date(2026, 3, 1), date(2026, 3, 1))


# Upload ----------------------------------------------------------------------------------

def test_a_partner_agent_uploads_a_letter_stored_under_a_random_name(world):
    client = world["alpha_agent"].client()
    customer = world.customer(world.alpha, "AL-0001")
    response = client.post(f"/customers/{customer.pk}/letters/add/", upload())
    assert response.status_code == 302
    assert response["Location"] == f"/customers/{customer.pk}/#authorisation-letters"
    with tenant_context(world.alpha):
        letter = customer.authorisation_letters.get()
        assert letter.uploaded_by == world["alpha_agent"].user
        assert (letter.signatory, letter.signatory_title) == ("Ian Brooks", "Head of IT")
        assert letter.original_filename == "signed-letter.pdf" and letter.size == len(PDF)
        assert re.fullmatch(r"authorisation-letters/[0-9a-f]{32}\.pdf", letter.file.name)
        # under the partner's own prefix, on the local disk or in the bucket
        assert object_key(letter.file).startswith(
            f"{world.alpha.schema_name}/authorisation-letters/")
        with letter.file.open("rb") as stored:
            assert stored.read() == PDF


def test_a_jpeg_scan_is_accepted(world):
    client = world["alpha_agent"].client()
    customer = world.customer(world.alpha, "AL-0001")
    scan = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32
    response = client.post(f"/customers/{customer.pk}/letters/add/",
                           upload(name="scan.JPEG", content=scan))
    assert response.status_code == 302
    with tenant_context(world.alpha):
        assert customer.authorisation_letters.get().file.name.endswith(".jpg")


def refused(world, data, persona="alpha_agent"):
    customer = world.customer(world.alpha, "AL-0001")
    response = world[persona].client().post(f"/customers/{customer.pk}/letters/add/", data)
    assert response.status_code == 200
    with tenant_context(world.alpha):
        assert not customer.authorisation_letters.exists()
    return response.context["letter_form"].errors


def test_a_document_renamed_to_pdf_is_refused(world):
    errors = refused(world, upload(name="letter.pdf", content=ZIP))
    assert "is not a PDF, PNG or JPEG file" in errors["file"][0]


def test_a_text_file_is_refused_whatever_its_name(world):
    errors = refused(world, upload(name="letter.jpg", content=b"Signed: Ian Brooks\n"))
    assert "is not a PDF, PNG or JPEG file" in errors["file"][0]


def test_a_file_whose_name_lies_about_its_content_is_refused(world):
    errors = refused(world, upload(name="letter.pdf", content=PNG))
    assert "contains a PNG file" in errors["file"][0] and ".png" in errors["file"][0]


def test_the_size_limit_defaults_to_ten_megabytes():
    assert settings.AUTHORISATION_LETTER_MAX_BYTES == 10 * 1024 * 1024


@override_settings(AUTHORISATION_LETTER_MAX_BYTES=1024)
def test_a_file_above_the_size_limit_is_refused(world):
    errors = refused(world, upload(content=PDF + b"0" * 2048))
    assert "may be at most 1.0\xa0KB" in errors["file"][0]


def test_the_expiry_must_come_after_the_signature(world):
    errors = refused(world, upload(signed_on="2026-03-01", expires_on="2026-02-28"))
    assert errors["expires_on"] == ["The expiry date must come after the signature date."]
    errors = refused(world, upload(signed_on="2026-03-01", expires_on="2026-03-01"))
    assert "expires_on" in errors


@pytest.mark.parametrize("time_zone,accepted", [("Pacific/Kiritimati", True),
                                                ("Pacific/Pago_Pago", False)])
def test_a_signature_in_the_future_is_refused_by_the_customers_own_date(
        world, monkeypatch, time_zone, accepted):
    # 12:00 UTC on 25 November is already the 26th in Kiribati, still the 25th in Samoa.
    monkeypatch.setattr(timezone, "now", lambda: datetime(2026, 11, 25, 12, 0, tzinfo=UTC))
    with tenant_context(world.alpha):
        Customer.objects.filter(site_id="AL-0001").update(time_zone=time_zone)
    customer = world.customer(world.alpha, "AL-0001")
    response = world["alpha_agent"].client().post(
        f"/customers/{customer.pk}/letters/add/",
        upload(signed_on="2026-11-26", expires_on="2027-11-25"))
    if accepted:
        assert response.status_code == 302
    else:
        assert "cannot be in the future" in response.context["letter_form"].errors[
            "signed_on"][0]


def test_the_service_checks_the_letter_itself(world):
    with tenant_context(world.alpha):
        customer = world.customer(world.alpha, "AL-0001")
        with pytest.raises(ValidationError) as caught:
            services.add_authorisation_letter(
                customer, file=ContentFile(ZIP, name="letter.pdf"), signatory="Ian Brooks",
                signed_on=date(2026, 3, 1), expires_on=date(2027, 3, 1))
        assert caught.value.code == "bad_type"
        with pytest.raises(ValidationError) as caught:
            services.add_authorisation_letter(
                customer, file=ContentFile(PDF, name="letter.pdf"), signatory=" ",
                signed_on=date(2026, 3, 1), expires_on=date(2026, 2, 1),
                today=date(2026, 11, 25))
        assert set(caught.value.message_dict) == {"signatory", "expires_on"}
        assert not customer.authorisation_letters.exists()


# Download --------------------------------------------------------------------------------

@pytest.mark.parametrize("persona", ["alpha_admin", "alpha_agent", "alpha_customer1"])
def test_staff_and_the_customers_own_users_download_the_letter(world, persona):
    letter = letter_of(world, "AL-0001")
    path = f"/customers/{letter.customer_id}/letters/{letter.pk}/download/"
    response = world[persona].client().get(path)
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="letter.pdf"'
    assert response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]
    assert b"".join(response.streaming_content) == PDF
    assert "authorisation-letters" not in path


def test_another_customers_user_gets_404(world):
    letter = letter_of(world, "AL-0001")
    response = world["alpha_customer2"].client().get(
        f"/customers/{letter.customer_id}/letters/{letter.pk}/download/")
    assert response.status_code == 404


def test_a_letter_id_under_the_wrong_customer_is_404(world):
    other = letter_of(world, "AL-0002")
    own = world.customer(world.alpha, "AL-0001")
    path = f"/customers/{own.pk}/letters/{other.pk}/download/"
    for persona in ("alpha_admin", "alpha_agent", "alpha_customer1"):
        assert world[persona].client().get(path).status_code == 404, persona


def test_a_letter_of_another_partner_is_404(world):
    letter = letter_of(world, "AL-0001")
    path = f"/customers/{letter.customer_id}/letters/{letter.pk}/download/"
    with tenant_context(world.beta):
        assert not AuthorisationLetter.objects.exists()
    for persona in ("beta_admin", "beta_agent", "beta_customer1"):
        response = world[persona].client().get(path)
        assert response.status_code == 404, persona
        assert b"%PDF" not in response.content


def test_a_letter_whose_file_has_gone_is_404(world):
    letter = letter_of(world, "AL-0001")
    with tenant_context(world.alpha):
        letter.file.delete(save=False)
        AuthorisationLetter.objects.filter(pk=letter.pk).update(file="authorisation-letters/x.pdf")
    response = world["alpha_agent"].client().get(
        f"/customers/{letter.customer_id}/letters/{letter.pk}/download/")
    assert response.status_code == 404


# Roles -----------------------------------------------------------------------------------

def test_a_customer_user_cannot_upload(world):
    customer = world.customer(world.alpha, "AL-0001")
    response = world["alpha_customer1"].client().post(
        f"/customers/{customer.pk}/letters/add/", upload())
    assert response.status_code == 404
    with tenant_context(world.alpha):
        assert not customer.authorisation_letters.exists()


@pytest.mark.parametrize("persona", ["alpha_agent", "alpha_customer1", "alpha_customer2"])
def test_only_partner_admins_revoke(world, persona):
    letter = letter_of(world, "AL-0001")
    response = world[persona].client().post(
        f"/customers/{letter.customer_id}/letters/{letter.pk}/revoke/")
    assert response.status_code == 404
    with tenant_context(world.alpha):
        letter.refresh_from_db()
    assert letter.revoked_at is None


def test_a_partner_admin_revokes_and_the_letter_stays_on_file(world):
    letter = letter_of(world, "AL-0001")
    client = world["alpha_admin"].client()
    path = f"/customers/{letter.customer_id}/letters/{letter.pk}/revoke/"
    assert client.get(path).status_code == 405
    response = client.post(path)
    assert response.status_code == 302
    with tenant_context(world.alpha):
        letter.refresh_from_db()
    assert letter.revoked_at is not None and letter.revoked_by == world["alpha_admin"].user
    page = client.post(path, follow=True)
    assert "already revoked" in page.content.decode()
    assert client.get(f"/customers/{letter.customer_id}/letters/{letter.pk}/download/"
                      ).status_code == 200
    history = page.context["history"]
    assert any("Authorisation letter" in str(entry.subject) for entry in history)


def test_a_partner_admin_cannot_revoke_through_another_customer(world):
    other = letter_of(world, "AL-0002")
    own = world.customer(world.alpha, "AL-0001")
    response = world["alpha_admin"].client().post(
        f"/customers/{own.pk}/letters/{other.pk}/revoke/")
    assert response.status_code == 404


# The customer page -----------------------------------------------------------------------

def test_the_customer_page_lists_the_letters_and_says_what_they_allow(world):
    today = timezone.localdate()
    letter_of(world, "AL-0001", signatory="Old Signer", signed_on=today - timedelta(days=400),
              expires_on=today - timedelta(days=35))
    customer = world.customer(world.alpha, "AL-0001")
    body = world["alpha_agent"].client().get(f"/customers/{customer.pk}/").content.decode()
    assert "Authorisation letters" in body and "Old Signer" in body
    assert "expired on" in body
    current = letter_of(world, "AL-0001", signatory="New Signer",
                        signed_on=today - timedelta(days=10),
                        expires_on=today + timedelta(days=355))
    response = world["alpha_agent"].client().get(f"/customers/{customer.pk}/")
    assert response.context["valid_letter"] == current
    statuses = {letter.signatory: status for letter, status in response.context["letter_rows"]}
    assert statuses == {"New Signer": "valid", "Old Signer": "expired"}


def test_what_each_role_may_do_on_the_customer_page(world):
    letter = letter_of(world, "AL-0001")
    customer = world.customer(world.alpha, "AL-0001")
    download = f"/customers/{customer.pk}/letters/{letter.pk}/download/"
    add = f"/customers/{customer.pk}/letters/add/"
    revoke = f"/customers/{customer.pk}/letters/{letter.pk}/revoke/"
    seen = {}
    for persona in ("alpha_admin", "alpha_agent", "alpha_customer1"):
        body = world[persona].client().get(f"/customers/{customer.pk}/").content.decode()
        seen[persona] = (download in body, add in body, revoke in body)
    assert seen == {"alpha_admin": (True, True, True), "alpha_agent": (True, True, False),
                    "alpha_customer1": (True, False, False)}


def test_the_customer_page_queries_do_not_grow_with_letters(world, query_count_baseline):
    customer = world.customer(world.alpha, "AL-0001")
    client = world["alpha_admin"].client()
    letter_of(world, "AL-0001", uploaded_by=world["alpha_agent"].user)

    def count():
        with query_count_baseline("customer page") as queries:
            client.get(f"/customers/{customer.pk}/")
        return queries.count

    before = count()
    for month in range(1, 6):
        letter_of(world, "AL-0001", signed_on=date(2025, month, 1),
                  expires_on=date(2026, month, 1), uploaded_by=world["alpha_agent"].user)
    assert count() == before
