import io
import re

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from portal.tenants.models import Partner

# Uploads, generates or downloads files: run again with files on S3 by `make test`.
pytestmark = pytest.mark.storage

ALPHA_MARKS = ("Alpha Communications", "#123456", "help@alpha.example", "Alpha Support")
BETA_MARKS = ("Beta Réseaux", "#654321", "aide@beta.example", "Beta Assistance")


def brand_colours(client, page):
    """The brand stylesheet a page links (inline styles are refused by the policy)."""
    link = re.search(r'<link rel="stylesheet" href="(/branding/colours\.css\?v=[^"]*)">', page)
    assert link, "the page links its brand's colours"
    return client.get(link.group(1)).content.decode()


def branding_form(**overrides):
    data = {"name": "Alpha Communications", "primary_colour": "#112233",
            "accent_colour": "#abcdef", "support_phone": "+44 20 0000 0009",
            "support_email": "help@alpha.example", "email_sender_name": "Alpha Support",
            "default_language": "en"}
    data.update(overrides)
    return data


def gif_logo():
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), (0, 128, 0)).save(buffer, format="GIF")
    return SimpleUploadedFile("logo.gif", buffer.getvalue(), content_type="image/gif")


def test_partner_admin_edits_the_branding_of_their_portal(world):
    client = world["alpha_admin"].client()
    response = client.post("/branding/", {**branding_form(), "logo": gif_logo()})
    assert response.status_code == 302
    alpha = Partner.objects.get(slug="alpha")
    assert alpha.primary_colour == "#112233"
    assert "--brand-primary: #112233" in brand_colours(client, client.get("/").content.decode())
    before = client.get("/").content.decode()
    client.post("/branding/", {**branding_form(), "primary_colour": "#445566"})
    page = client.get("/").content.decode()
    assert "--brand-primary: #445566" in brand_colours(client, page)
    # The stylesheet's address changes with the branding: no cached colours linger.
    assert re.findall(r"colours\.css\?v=\d+", page) != re.findall(r"colours\.css\?v=\d+", before)
    assert "/branding/logo/" in page
    logo = Client(HTTP_HOST="alpha.localhost").get("/branding/logo/")
    assert logo.status_code == 200
    assert logo["Content-Type"] == "image/gif"
    assert alpha.logo.name not in page  # the storage path is never exposed


def test_invalid_colours_are_refused(world):
    client = world["alpha_admin"].client()
    response = client.post("/branding/", branding_form(primary_colour="red; }"))
    assert response.status_code == 200
    assert "primary_colour" in response.context["form"].errors
    assert Partner.objects.get(slug="alpha").primary_colour == "#123456"


def test_a_partner_without_a_logo_answers_404_for_it(world):
    assert Client(HTTP_HOST="beta.localhost").get("/branding/logo/").status_code == 404


def test_branding_of_a_never_appears_in_bs_pages(world):
    pages = {
        "beta_admin": ["/", "/users/", "/branding/", "/customers/", "/profile/"],
        "beta_agent": ["/", "/customers/"],
        "beta_customer1": ["/"],
    }
    for persona, paths in pages.items():
        client = world[persona].client()
        for path in paths:
            body = client.get(path).content.decode()
            assert "Beta Réseaux" in body, (persona, path)
            for mark in ALPHA_MARKS:
                assert mark not in body, (persona, path, mark)
    login_page = Client(HTTP_HOST="beta.localhost").get("/accounts/login/").content.decode()
    for mark in ALPHA_MARKS:
        assert mark not in login_page


def test_branding_of_b_never_appears_in_as_emails(world, django_capture_on_commit_callbacks):
    client = world["alpha_admin"].client()
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/users/invite/", {"email": "new.agent@alpha.example",
                                       "role": "partner_agent"})
        Client(HTTP_HOST="alpha.localhost").post("/accounts/password/reset/",
                                                 {"email": "agent@alpha.example"})
    assert len(mail.outbox) == 2
    for message in mail.outbox:
        text = message.subject + message.body + message.from_email + message.alternatives[0][0]
        assert "Alpha" in text
        for mark in BETA_MARKS:
            assert mark not in text


def test_agents_and_customer_users_cannot_edit_branding(world):
    for persona in ("alpha_agent", "alpha_customer1"):
        response = world[persona].client().post("/branding/", branding_form(name="Hijacked"))
        assert response.status_code == 404
    assert Partner.objects.get(slug="alpha").name == "Alpha Communications"


# --- A logo is what its content says -------------------------------------------------------

def png_logo(name="logo.png", content_type="image/png"):
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), (0, 0, 128)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=content_type)


@pytest.mark.parametrize("name", ["logo.html", "logo.svg", "logo.jpg", "logo.gif.html"])
def test_a_logo_whose_name_says_another_type_than_its_content_is_refused(world, name):
    client = world["alpha_admin"].client()
    response = client.post("/branding/", {**branding_form(),
                                          "logo": png_logo(name, "text/html")})
    assert response.status_code == 200
    assert "logo" in response.context["form"].errors
    assert not Partner.objects.get(slug="alpha").logo


def test_an_svg_logo_is_refused(world):
    svg = SimpleUploadedFile(
        "logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        content_type="image/svg+xml")
    response = world["alpha_admin"].client().post("/branding/", {**branding_form(),
                                                                 "logo": svg})
    assert "logo" in response.context["form"].errors


@pytest.mark.parametrize("name", ["LOGO.PNG", "brand logo.png"])
def test_the_stored_name_and_type_follow_the_content(world, name):
    client = world["alpha_admin"].client()
    response = client.post("/branding/", {**branding_form(), "logo": png_logo(name)})
    assert response.status_code == 302
    assert Partner.objects.get(slug="alpha").logo.name.endswith(".png")
    logo = Client(HTTP_HOST="alpha.localhost").get("/branding/logo/")
    assert logo["Content-Type"] == "image/png"


def test_a_stored_logo_is_served_with_the_type_of_its_content_whatever_its_name(world):
    alpha = Partner.objects.get(slug="alpha")
    alpha.logo.save("logo.html", ContentFile(png_logo().read()))
    for host, path in (("alpha.localhost", "/branding/logo/"), (None, "/partners/alpha/logo/")):
        client = Client(HTTP_HOST=host) if host else world["vendor_admin"].client()
        response = client.get(path)
        assert response["Content-Type"] == "image/png", path
        assert response["X-Content-Type-Options"] == "nosniff"
    alpha.logo.save("logo.png", ContentFile(b"<html><script>alert(1)</script></html>"))
    response = Client(HTTP_HOST="alpha.localhost").get("/branding/logo/")
    assert response["Content-Type"] == "application/octet-stream"
