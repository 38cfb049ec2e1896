"""Onboarding and branding of partners: the actions the console and the portal call."""

from __future__ import annotations

import logging
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
    for field, value in cleaned_data.items():
        setattr(partner, field, value)
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
