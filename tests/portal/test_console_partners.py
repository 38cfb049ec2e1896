import io

from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django_tenants.utils import schema_context
from PIL import Image

from portal.tenants.models import Partner
from portal.users.models import Role, User


def png_bytes(size=(40, 20), colour=(200, 30, 30)):
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


def partner_form(**overrides):
    data = {
        "name": "Gamma Voice", "slug": "gamma", "domain": "gamma.localhost",
        "primary_colour": "#224466", "accent_colour": "#ff8800",
        "support_phone": "+1 555 0100", "support_email": "help@gamma.example",
        "email_sender_name": "Gamma Help Desk", "default_language": "en",
        "admin_email": "Boss@Gamma.example", "admin_first_name": "Gina",
        "admin_last_name": "Ramos",
    }
    data.update(overrides)
    return data


def schema_exists(name):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM information_schema.schemata WHERE schema_name = %s", [name])
        return cursor.fetchone() is not None


def test_vendor_admin_onboards_a_partner(world, django_capture_on_commit_callbacks):
    client = world["vendor_admin"].client()
    logo = SimpleUploadedFile("gamma.png", png_bytes(), content_type="image/png")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post("/partners/new/", {**partner_form(), "logo": logo})
    assert response.status_code == 302, response.context["form"].errors
    assert response["Location"] == "/partners/gamma/"
    # The schema was created and migrated by the provisioning task, and the first
    # administrator received the invitation (both queued after commit).
    assert len(callbacks) >= 1
    partner = Partner.objects.get(slug="gamma")
    assert partner.status == Partner.Status.ACTIVE
    assert partner.primary_domain == "gamma.localhost"
    assert partner.logo
    assert schema_exists("gamma")
    with schema_context("gamma"):
        admin = User.objects.get(email="boss@gamma.example")
        assert admin.role == Role.PARTNER_ADMIN
        assert not admin.has_usable_password()
    [invitation] = mail.outbox
    assert invitation.to == ["boss@gamma.example"]
    assert "Gamma Help Desk" in invitation.from_email
    assert "http://gamma.localhost/invitation/" in invitation.body
    assert "Gamma Voice" in invitation.subject
    html = invitation.alternatives[0][0]
    assert "#224466" in html
    # The new portal answers on its domain with its own branding.
    from django.test import Client

    page = Client(HTTP_HOST="gamma.localhost").get("/accounts/login/")
    assert page.status_code == 200
    assert b"Gamma Voice" in page.content


def test_a_taken_slug_is_refused_with_a_clear_error(world):
    client = world["vendor_admin"].client()
    response = client.post("/partners/new/", partner_form(slug="alpha", domain="x.localhost"))
    assert response.status_code == 200
    assert "already taken" in str(response.context["form"].errors["slug"])
    assert not Partner.objects.filter(domains__domain="x.localhost").exists()


def test_a_taken_domain_is_refused_with_a_clear_error(world):
    client = world["vendor_admin"].client()
    response = client.post("/partners/new/", partner_form(domain="beta.localhost"))
    assert response.status_code == 200
    assert "already in use" in str(response.context["form"].errors["domain"])
    assert not Partner.objects.filter(slug="gamma").exists()


def test_reserved_and_malformed_slugs_are_refused(world):
    client = world["vendor_admin"].client()
    for slug in ("public", "Bad Slug", "a", "9lives"):
        response = client.post("/partners/new/", partner_form(slug=slug))
        assert "slug" in response.context["form"].errors, slug
    assert not Partner.objects.filter(slug="gamma").exists()


def test_a_logo_that_is_not_an_image_is_refused(world):
    client = world["vendor_admin"].client()
    fake = SimpleUploadedFile("logo.png", b"<script>alert(1)</script>", content_type="image/png")
    response = client.post("/partners/new/", {**partner_form(), "logo": fake})
    assert response.status_code == 200
    assert "logo" in response.context["form"].errors
    assert not Partner.objects.filter(slug="gamma").exists()


def test_a_logo_over_the_size_limit_is_refused(world, settings):
    settings.BRANDING_LOGO_MAX_BYTES = 100
    client = world["vendor_admin"].client()
    logo = SimpleUploadedFile("big.png", png_bytes((300, 300)), content_type="image/png")
    response = client.post("/partners/new/", {**partner_form(), "logo": logo})
    assert "limit" in str(response.context["form"].errors["logo"])


def test_only_vendor_admins_onboard_partners(world):
    for persona in ("csm", "support_engineer"):
        response = world[persona].client().post("/partners/new/", partner_form())
        assert response.status_code == 404
    assert not Partner.objects.filter(slug="gamma").exists()


def test_vendor_admin_edits_a_partners_branding(world):
    client = world["vendor_admin"].client()
    response = client.post("/partners/beta/branding/", {
        "name": "Beta Réseaux", "primary_colour": "#000080", "accent_colour": "#fedcba",
        "support_phone": "", "support_email": "aide@beta.example",
        "email_sender_name": "Beta", "default_language": "fr",
    })
    assert response.status_code == 302
    assert Partner.objects.get(slug="beta").primary_colour == "#000080"


def test_vendor_admin_adds_a_custom_domain(world, settings):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "support.alpha-uc.example"]
    client = world["vendor_admin"].client()
    client.post("/partners/alpha/domains/", {"domain": "support.alpha-uc.example"})
    assert Partner.objects.get(slug="alpha").domains.filter(
        domain="support.alpha-uc.example").exists()
    from django.test import Client

    page = Client(HTTP_HOST="support.alpha-uc.example").get("/accounts/login/")
    assert b"Alpha Communications" in page.content


def test_the_console_lists_partners_but_not_itself(world):
    response = world["vendor_admin"].client().get("/partners/")
    names = [partner.name for partner in response.context["partners"]]
    assert names == ["Alpha Communications", "Beta Réseaux"]


def test_provisioning_status_is_polled_with_htmx(world):
    Partner.objects.filter(slug="beta").update(status=Partner.Status.PROVISIONING)
    client = world["vendor_admin"].client()
    response = client.get("/partners/beta/", HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert 'hx-trigger="every 2s"' in body
    assert "<html" not in body
