"""Onboarding and branding of partners: the actions the console and the portal call."""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from portal.outbox.services import enqueue_on_commit
from portal.users.models import Role, User
from portal.users.services import invite_user

from .models import Domain, Partner
from .schemas import partner_schema
from .tasks import provision_partner as provision_task

logger = logging.getLogger(__name__)

# "catalogue": the first segment of the vendor's stored files (a schema's files start with
# the schema's name).
RESERVED_SLUGS = {"public", "www", "admin", "api", "static", "media", "console", "vendor",
                  "catalogue"}


def schema_name_for(slug: str) -> str:
    return slug.replace("-", "_")


@transaction.atomic
def create_partner(*, name: str, slug: str, domain: str, branding: dict[str, Any],
                   admin: dict[str, str]) -> Partner:
    """Records the partner and queues the creation of its schema and first administrator.

    `admin` is a dict with the first partner administrator's email, first and last name.
    """
    partner = Partner(name=name, slug=slug, schema_name=schema_name_for(slug), **branding)
    partner.full_clean()
    partner.save()
    Domain.objects.create(domain=domain.lower(), tenant=partner, is_primary=True)

    enqueue_on_commit(provision_task, partner.pk, admin)
    return partner


def provision_partner(partner_id: int, admin: dict[str, str]) -> None:
    """Creates and migrates the partner's schema, then invites its first administrator.

    Safe to run twice: an existing schema is migrated, an existing administrator is kept.
    """
    partner = Partner.objects.get(pk=partner_id)
    try:
        partner.create_schema(check_if_exists=True, verbosity=0)
        with partner_schema(partner):
            if not User.objects.filter(email__iexact=admin["email"]).exists():
                invite_user(
                    email=admin["email"],
                    first_name=admin.get("first_name", ""),
                    last_name=admin.get("last_name", ""),
                    role=Role.PARTNER_ADMIN,
                )
    except Exception:
        logger.exception("Provisioning of partner %s failed", partner.slug)
        Partner.objects.filter(pk=partner.pk).update(status=Partner.Status.FAILED)
        raise
    Partner.objects.filter(pk=partner.pk).update(status=Partner.Status.ACTIVE)


def update_branding(partner: Partner, cleaned_data: dict[str, Any]) -> Partner:
    """Saves the branding; `updated_at` changes with it, and with it the address of the
    cached stylesheet and logos every page links."""
    for field, value in cleaned_data.items():
        # A file field's own rule: False (its box "remove" ticked) empties it.
        partner._meta.get_field(field).save_form_data(partner, value)
    partner.save()
    return partner


def _current_schema() -> str:
    return connection.schema_name  # type: ignore[attr-defined]  # django-tenants' wrapper


def record_email_failure(error: BaseException) -> None:
    """Keeps why the current partner's e-mail could not be sent, for its branding page and
    the console."""
    Partner.objects.filter(schema_name=_current_schema()).update(
        email_failed_at=timezone.now(),
        email_failure=(f"{type(error).__name__}: {error}")[:300])


def record_email_sent() -> None:
    """E-mail goes out again: the failure is no longer shown."""
    Partner.objects.filter(schema_name=_current_schema(),
                           email_failed_at__isnull=False).update(email_failed_at=None,
                                                                 email_failure="")


def ensure_vendor(domain: str) -> tuple[Partner, bool]:
    """Creates the public tenant that serves the vendor console on `domain` (idempotent)."""
    from django.conf import settings
    from django_tenants.utils import get_public_schema_name

    branding = {k: v for k, v in settings.VENDOR_BRANDING.items() if k != "name"}
    vendor, created = Partner.objects.get_or_create(
        schema_name=get_public_schema_name(),
        defaults={"name": settings.VENDOR_BRANDING["name"], "slug": "vendor",
                  "status": Partner.Status.ACTIVE, **branding},
    )
    Domain.objects.get_or_create(domain=domain, defaults={"tenant": vendor, "is_primary": True})
    return vendor, created


# WCAG 2.x contrast: https://www.w3.org/TR/WCAG21/#dfn-contrast-ratio
def relative_luminance(colour: str) -> float:
    """The relative luminance of a #rrggbb colour, 0 (black) to 1 (white)."""
    channels = []
    for start in (1, 3, 5):
        value = int(colour[start:start + 2], 16) / 255
        channels.append(value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4)
    red, green, blue = channels
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast_ratio(first: str, second: str) -> float:
    """The WCAG contrast ratio of two #rrggbb colours, from 1 to 21."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)),
                             reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def is_readable(ratio: float) -> bool:
    """WCAG AA for normal text (settings.BRANDING_MIN_CONTRAST, 4.5:1)."""
    from django.conf import settings

    # Never rounded (WCAG): 4.499:1 fails.
    return ratio >= settings.BRANDING_MIN_CONTRAST


def shown_ratio(ratio: float) -> Decimal:
    """The ratio as the page shows it, cut (not rounded) to two decimals: a failing ratio
    never reads 4.50."""
    return Decimal(int(ratio * 100)) / 100


def is_dark(colour: str) -> bool:
    """True when white reads better than black on the colour: the header then shows the
    logo made for dark backgrounds."""
    return contrast_ratio(colour, WHITE) >= contrast_ratio(colour, BLACK)


WHITE = "#ffffff"
BLACK = "#000000"


def contrast_warnings(primary_colour: str, accent_colour: str) -> list[dict[str, Any]]:
    """The brand colours' pairs that fall below WCAG AA, each with its ratio: the portal
    writes white on the primary colour (header, buttons) and the accent on white (links,
    focus rings)."""
    from django.utils.translation import gettext as _

    checks = [
        ("primary_colour", contrast_ratio(WHITE, primary_colour),
         _("White text on the primary colour")),
        ("accent_colour", contrast_ratio(accent_colour, WHITE),
         _("The accent colour on a white background")),
    ]
    return [{"field": field, "ratio": shown_ratio(ratio), "label": label}
            for field, ratio, label in checks if not is_readable(ratio)]
