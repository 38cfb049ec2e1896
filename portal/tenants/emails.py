"""Branded e-mail: rendered in the partner's look and the recipient's language,
sent by a Celery task once the surrounding transaction has committed."""

from email.utils import formataddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation

from portal.outbox.services import enqueue_on_commit

from .branding import current_brand
from .tasks import send_email


def sender_for(brand):
    """The From of the brand's e-mails: its own address once the vendor has set one, the
    programme's otherwise; always under the brand's sender name."""
    address = getattr(brand, "email_sender_address", "") or settings.EMAIL_FROM_ADDRESS
    # One line whatever was stored before line breaks were refused: a header with a line
    # break would stop every e-mail of the partner.
    return formataddr((" ".join(brand.sender_name.split()), address))


def envelope_sender(brand):
    """The SMTP envelope sender (Return-Path) of the brand's e-mails, or "" for the From
    address itself (EMAIL_ENVELOPE_DOMAIN unset)."""
    domain = settings.EMAIL_ENVELOPE_DOMAIN
    return f"bounces+{brand.slug}@{domain}" if domain else ""


def address_from(message, brand):
    """Sets the brand's From, and the envelope sender apart from it when configured
    (Django sends with `from_email` as the envelope and a From header over it)."""
    sender, envelope = sender_for(brand), envelope_sender(brand)
    message.from_email = envelope or sender
    if envelope:
        message.extra_headers["From"] = sender
    return message


def recipient_language(user=None, brand=None):
    if user is not None and getattr(user, "language", ""):
        return user.language
    brand = brand or current_brand()
    return brand.default_language or settings.LANGUAGE_CODE


def wrap_in_branded_html(message, brand):
    """Adds the branded HTML part to a plain-text message that has none."""
    if any(mimetype == "text/html" for _, mimetype in getattr(message, "alternatives", [])):
        return message
    html = render_to_string(
        "emails/branded.html",
        {"brand": brand, "subject": message.subject, "body": message.body,
         "portal_url": _portal_url(brand)},
    )
    message.attach_alternative(html, "text/html")
    return message


def _portal_url(brand):
    return brand.absolute_url("/") if brand.pk and brand.primary_domain else ""


def render_branded_email(template_prefix, context, to, *, user=None, brand=None):
    """Renders `<prefix>_subject.txt` and `<prefix>_message.txt` in the brand and language."""
    brand = brand or current_brand()
    language = recipient_language(user, brand)
    with translation.override(language):
        ctx = {"brand": brand, "portal_url": _portal_url(brand), **context}
        subject = " ".join(
            render_to_string(f"{template_prefix}_subject.txt", ctx).splitlines()
        ).strip()
        body = render_to_string(f"{template_prefix}_message.txt", ctx).strip()
        message = EmailMultiAlternatives(
            subject, body, None, [to] if isinstance(to, str) else list(to),
            reply_to=[brand.support_email] if brand.support_email else None,
        )
        return wrap_in_branded_html(address_from(message, brand), brand)


def queue_email(message):
    """Sends `message` from a worker after the current transaction commits."""
    payload = {
        "subject": message.subject,
        "body": message.body,
        "from_email": message.from_email,
        "to": list(message.to),
        "reply_to": list(message.reply_to or []),
        "headers": dict(message.extra_headers or {}),
        "html": next(
            (content for content, mimetype in getattr(message, "alternatives", [])
             if mimetype == "text/html"),
            "",
        ),
    }
    enqueue_on_commit(send_email, **payload)
