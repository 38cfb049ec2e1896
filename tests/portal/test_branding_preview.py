"""The branding page: previews of the form's values, the two logos, the hex fields and the
contrast warnings, in the partner's portal and in the console."""

import io
import re

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from portal.tenants.models import Partner

# Uploads, generates or downloads files: run again with files on S3 by `make test`.
pytestmark = pytest.mark.storage


def branding_form(**overrides):
    data = {"name": "Alpha Communications", "primary_colour": "#123456",
            "accent_colour": "#8a4b00", "support_phone": "+44 20 0000 0009",
            "support_email": "help@alpha.example", "email_sender_name": "Alpha Support",
            "default_language": "en"}
    data.update(overrides)
    return data


def png(name="logo.png", colour=(0, 0, 128)):
    buffer = io.BytesIO()
    Image.new("RGB", (24, 12), colour).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def alpha():
    return Partner.objects.get(slug="alpha")


def preview_stylesheet(client, page):
    link = re.search(r'<link rel="stylesheet" href="(/branding/preview\.css\?[^"]*)">', page)
    assert link, "the page links the previews' colours"
    return client.get(link.group(1).replace("&amp;", "&")).content.decode()


def test_preview_shows_the_forms_values_and_saves_nothing(world):
    client = world["alpha_admin"].client()
    before = alpha()
    response = client.post("/branding/", {
        **branding_form(name="Alpha Renamed", primary_colour="#654321"),
        "logo": png(), "preview": "1"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Preview of your changes" in page
    assert "Alpha Renamed" in page
    assert "data:image/png;base64," in page  # the chosen logo, not stored
    assert "--brand-primary: #654321" in preview_stylesheet(client, page)
    # The page's own header keeps the saved branding.
    assert re.search(r'<a class="brand" href="/">.*?Alpha Communications', page, re.S)
    after = alpha()
    assert (after.name, after.primary_colour, after.logo.name, after.updated_at) == (
        before.name, before.primary_colour, before.logo.name, before.updated_at)


def test_an_invalid_preview_shows_the_errors_and_the_saved_branding(world):
    client = world["alpha_admin"].client()
    response = client.post("/branding/", {**branding_form(primary_colour="red; }"),
                                          "preview": "1"})
    assert response.status_code == 200
    assert "primary_colour" in response.context["form"].errors
    assert response.context["preview"]["unsaved"] is False
    assert "red; }" not in preview_stylesheet(client, response.content.decode())


def test_the_page_shows_the_stored_logos_and_their_size_never_their_storage_name(world):
    partner = alpha()
    partner.logo.save("logo.png", ContentFile(png().read()))
    partner.logo_on_dark.save("logo.png", ContentFile(png(colour=(255, 255, 255)).read()))
    page = world["alpha_admin"].client().get("/branding/").content.decode()
    for stored in (partner.logo.name, partner.logo_on_dark.name):
        assert stored not in page
        assert stored.rsplit("/", 1)[-1] not in page
    assert re.search(r'<img src="/branding/logo/\?v=\d+" alt="Current logo"', page)
    assert re.search(r'<img src="/branding/logo/dark/\?v=\d+" alt="Current logo"', page)
    assert "24 × 12 px" in page
    assert 'name="logo-clear"' in page and 'name="logo_on_dark-clear"' in page


def test_colours_have_a_hex_field_and_a_picker_the_script_shows(world):
    page = world["alpha_admin"].client().get("/branding/").content.decode()
    assert re.search(r'<input type="text" name="primary_colour" value="#123456"', page)
    assert re.search(r'<input type="color" class="colour-picker" '
                     r'data-colour-for="id_primary_colour" value="#123456" [^>]*hidden>', page)
    assert '<script src="/static/js/branding.js" defer></script>' in page
    assert "<script>" not in page and " style=" not in page


def test_the_hex_field_alone_saves_a_colour_typed_without_its_hash(world):
    response = world["alpha_admin"].client().post(
        "/branding/", branding_form(primary_colour=" 0A3D62 ", accent_colour="#8A4B00"))
    assert response.status_code == 302
    assert (alpha().primary_colour, alpha().accent_colour) == ("#0a3d62", "#8a4b00")


def test_low_contrast_colours_are_saved_with_a_warning_showing_the_ratio(world):
    client = world["alpha_admin"].client()
    response = client.post("/branding/", branding_form(primary_colour="#ffcc00",
                                                       accent_colour="#ffcc00"), follow=True)
    assert alpha().primary_colour == "#ffcc00"
    page = response.content.decode()
    assert "White text on the primary colour has a contrast of 1.51:1" in page
    assert "The accent colour on a white background has a contrast of 1.51:1" in page
    readable = client.get("/branding/").content.decode()
    assert "WCAG AA" in readable  # the warning stays on the page while the colours do
    client.post("/branding/", branding_form())
    assert "WCAG AA" not in client.get("/branding/").content.decode()


def test_the_header_shows_the_logo_for_its_background(world):
    client = world["alpha_admin"].client()
    response = client.post("/branding/", {**branding_form(primary_colour="#0b1f3a"),
                                          "logo": png(), "logo_on_dark": png("white.png")})
    assert response.status_code == 302
    page = client.get("/").content.decode()
    assert re.search(r'<img src="/branding/logo/dark/\?v=\d+" alt="" class="brand__logo--on-dark">',
                     page)
    dark = Client(HTTP_HOST="alpha.localhost").get("/branding/logo/dark/")
    assert dark["Content-Type"] == "image/png"
    # The login page, e-mails and PDFs keep the logo for light backgrounds.
    login = Client(HTTP_HOST="alpha.localhost").get("/accounts/login/").content.decode()
    assert re.search(r'<div class="entrance__brand">\s*<img src="/branding/logo/\?v=', login)
    # A light header shows the light-background logo.
    client.post("/branding/", branding_form(primary_colour="#e8f0ff"))
    page = client.get("/").content.decode()
    assert "/branding/logo/dark/" not in page
    assert re.search(r'<a class="brand" href="/">\s*<img src="/branding/logo/\?v=', page)


def test_each_logo_is_checked_by_content_and_removable(world):
    client = world["alpha_admin"].client()
    svg = SimpleUploadedFile("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"></svg>',
                             content_type="image/svg+xml")
    response = client.post("/branding/", {**branding_form(), "logo_on_dark": svg})
    assert "logo_on_dark" in response.context["form"].errors
    client.post("/branding/", {**branding_form(), "logo": png(), "logo_on_dark": png()})
    assert alpha().logo and alpha().logo_on_dark
    client.post("/branding/", {**branding_form(), "logo_on_dark-clear": "on"})
    assert alpha().logo and not alpha().logo_on_dark
    assert Client(HTTP_HOST="alpha.localhost").get("/branding/logo/dark/").status_code == 404


def test_the_pdf_preview_prints_the_forms_values_and_saves_nothing(world):
    client = world["alpha_admin"].client()
    before = alpha()
    response = client.post("/branding/preview.pdf", {
        **branding_form(name="Alpha Renamed", primary_colour="#654321"), "logo": png()})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert response.context["brand"].name == "Alpha Renamed"
    assert response.context["brand"].primary_colour == "#654321"
    assert response.context["logo_uri"].startswith("data:image/png;base64,")
    after = alpha()
    assert (after.name, after.primary_colour, after.logo.name, after.updated_at) == (
        before.name, before.primary_colour, before.logo.name, before.updated_at)
    assert client.get("/branding/preview.pdf").status_code == 405


def test_previews_are_only_for_the_portals_own_administrators(world):
    for persona in ("alpha_agent", "alpha_customer1"):
        client = world[persona].client()
        assert client.post("/branding/preview.pdf", branding_form()).status_code == 404
        assert client.post("/branding/", {**branding_form(), "preview": "1"}).status_code == 404
    # Beta's administrator, signed in on Beta, has no session on Alpha's portal.
    beta_admin = world["beta_admin"].client()
    response = beta_admin.post("/branding/preview.pdf", branding_form(),
                               HTTP_HOST="alpha.localhost")
    assert response.status_code in (302, 404)
    # Nor a way to Alpha through the console's addresses.
    assert beta_admin.post("/partners/alpha/branding/preview.pdf",
                           branding_form()).status_code == 404


def test_the_preview_stylesheet_writes_only_colours(world):
    client = Client(HTTP_HOST="alpha.localhost")
    good = client.get("/branding/preview.css", {"primary": "#112233", "accent": "#445566"})
    assert good.content.decode() == (
        ".brand-preview { --brand-primary: #112233; --brand-accent: #445566; }\n")
    bad = client.get("/branding/preview.css", {"primary": "red;}body{", "accent": "#445566"})
    assert bad.status_code == 404


# --- The console edits a partner's branding by the same rules ------------------------------

def test_the_console_previews_a_partners_branding_without_saving(world):
    client = world["vendor_admin"].client()
    before = Partner.objects.get(slug="beta")
    response = client.post("/partners/beta/branding/", {
        **branding_form(name="Beta Renamed", primary_colour="#654321"),
        "reference_prefix": before.reference_prefix, "preview": "1"})
    assert response.status_code == 200
    assert "Beta Renamed" in response.content.decode()
    assert Partner.objects.get(slug="beta").name == before.name
    pdf = client.post("/partners/beta/branding/preview.pdf", {
        **branding_form(name="Beta Renamed"), "reference_prefix": before.reference_prefix})
    assert pdf["Content-Type"] == "application/pdf"
    assert Partner.objects.get(slug="beta").name == before.name
    assert client.post("/partners/nobody/branding/preview.pdf",
                       branding_form()).status_code == 404


def test_the_console_shows_a_partners_logos_never_their_storage_name(world):
    beta = Partner.objects.get(slug="beta")
    beta.logo_on_dark.save("logo.png", ContentFile(png().read()))
    client = world["vendor_admin"].client()
    for path in ("/partners/beta/", "/partners/beta/branding/"):
        page = client.get(path).content.decode()
        assert "/partners/beta/logo/dark/?v=" in page, path
        assert beta.logo_on_dark.name not in page, path
    assert client.get("/partners/beta/logo/dark/")["Content-Type"] == "image/png"
    assert world["csm"].client().post("/partners/beta/branding/preview.pdf",
                                      branding_form()).status_code == 404


def test_the_console_warns_of_a_partners_low_contrast_colours(world):
    client = world["vendor_admin"].client()
    Partner.objects.filter(slug="beta").update(primary_colour="#123456",
                                               accent_colour="#8a4b00")
    assert "WCAG AA" not in client.get("/partners/beta/").content.decode()
    Partner.objects.filter(slug="beta").update(accent_colour="#ffcc00")
    page = client.get("/partners/beta/").content.decode()
    assert "The accent colour on a white background has a contrast of 1.51:1" in page
