"""A partner's e-mail never fails silently: branding that goes into e-mail headers refuses
line breaks, and an e-mail that could not be sent shows, with its reason, on the partner's
branding page and on its page in the vendor console until e-mail goes out again."""

import pytest
from celery.exceptions import Retry
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.mail.backends.base import BaseEmailBackend
from django.test import Client

from portal.tenants.models import Partner

from .test_branding import branding_form

NOTICE = "could not be sent"


class RefusingBackend(BaseEmailBackend):
    """A mail server that is down."""

    def send_messages(self, messages):
        raise ConnectionRefusedError("[Errno 111] Connection refused by mail.alpha.example")


@pytest.mark.parametrize("field", ["email_sender_name", "name", "support_phone"])
def test_branding_that_goes_into_headers_refuses_line_breaks(world, field):
    value = "Alpha Support\r\nBcc: everyone@elsewhere.example"
    for client, path in ((world["alpha_admin"].client(), "/branding/"),
                         (world["vendor_admin"].client(), "/partners/alpha/branding/")):
        response = client.post(path, branding_form(**{field: value}))
        assert response.status_code == 200, path
        assert field in response.context["form"].errors, path
    alpha = Partner.objects.get(slug="alpha")
    assert "\n" not in getattr(alpha, field)
    setattr(alpha, field, "Alpha\nSupport")
    with pytest.raises(ValidationError) as error:
        alpha.full_clean()
    assert field in error.value.message_dict


def test_a_sender_name_stored_with_a_line_break_does_not_stop_the_partners_emails(
        world, django_capture_on_commit_callbacks):
    Partner.objects.filter(slug="alpha").update(email_sender_name="Alpha\r\nSupport")
    with django_capture_on_commit_callbacks(execute=True):
        Client(HTTP_HOST="alpha.localhost").post("/accounts/password/reset/",
                                                 {"email": "agent@alpha.example"})
    [message] = mail.outbox
    assert message.from_email.startswith('"Alpha Support"') or \
        message.from_email.startswith("Alpha Support")


def reset_password(email, host="alpha.localhost"):
    Client(HTTP_HOST=host).post("/accounts/password/reset/", {"email": email})


def test_a_failing_email_shows_on_the_partners_page_and_in_the_console(
        world, settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "tests.portal.test_email_failures.RefusingBackend"
    # Raised to the eager caller in tests; a worker retries it later.
    with pytest.raises((ConnectionRefusedError, Retry)):
        with django_capture_on_commit_callbacks(execute=True):
            reset_password("agent@alpha.example")
    branding = world["alpha_admin"].client().get("/branding/").content.decode()
    console = world["vendor_admin"].client().get("/partners/alpha/").content.decode()
    for page in (branding, console):
        assert NOTICE in page
        assert "Connection refused by mail.alpha.example" in page
    assert NOTICE not in world["beta_admin"].client().get("/branding/").content.decode()
    assert NOTICE not in world["vendor_admin"].client().get("/partners/beta/").content.decode()

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        reset_password("agent@alpha.example")
    assert len(mail.outbox) == 1
    assert NOTICE not in world["alpha_admin"].client().get("/branding/").content.decode()
