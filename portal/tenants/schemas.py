"""Entering partners' schemas: with console/, the only code that switches schema.

Tasks that work partner by partner, the console's pages and demo seeding go through these
helpers, so "which partners" is one rule, written once: active partners, never the
vendor's public schema and never one still being provisioned.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

from django.db import connection
from django.db.models import QuerySet
from django.http import Http404
from django_tenants.utils import get_public_schema_name, schema_context, tenant_context

from portal.prepared import PreparedRows

from .models import Partner


def active_partners() -> QuerySet[Partner]:
    return Partner.objects.active()


def each_active_partner() -> Iterator[Partner]:
    """Yields each active partner with its schema entered while the caller works in it."""
    for partner in active_partners():
        with tenant_context(partner):
            yield partner


def active_partner_named(slug: str) -> Partner | None:
    """The active partner named by `slug`, or None. Every console page of one partner's
    object looks it up: compiled once per thread."""
    return PreparedRows("active-partner", Partner, lambda slug: active_partners().filter(
        slug=slug), {"slug": Partner._meta.get_field("slug")}, {"slug": slug}).first()


@contextmanager
def active_partner(slug: str) -> Iterator[Partner]:
    """Enters the active partner named by `slug`; 404 when there is none."""
    partner = active_partner_named(slug)
    if partner is None:
        raise Http404
    with tenant_context(partner):
        yield partner


def partner_schema(partner: Partner) -> AbstractContextManager[None]:
    """Enters `partner`'s schema (a context manager), whatever its status: provisioning and
    the console's reads of a partner already chosen."""
    return tenant_context(partner)


def named_schema(schema_name: str) -> AbstractContextManager[None]:
    """Enters the schema of that name (a context manager): work recorded with its schema
    name, such as the outbox's tasks."""
    return schema_context(schema_name)


def public_schema() -> AbstractContextManager[None]:
    """Enters the public schema (a context manager): the vendor's tables."""
    return schema_context(get_public_schema_name())


@contextmanager
def catalogue_search_path(cursor: Any, schema_name: str) -> Iterator[None]:
    """Points `cursor`'s search path at `schema_name` alone while the block runs, then puts
    back the one it had: PostgreSQL's deparsing functions then name that schema's objects
    without their schema, and unqualified DDL creates them there. Use the same cursor
    throughout: a new one gets the current partner's path again."""
    cursor.execute("SELECT current_setting('search_path')")
    saved = cursor.fetchone()[0]
    cursor.execute("SELECT set_config('search_path', quote_ident(%s), false)", [schema_name])
    try:
        yield
    finally:
        # The connection sets its partner's path once and then trusts it
        # (TENANT_LIMIT_SET_CALLS): whatever happened in the block, it sets it again
        # before its next statement.
        connection.search_path_set_schemas = None  # type: ignore[attr-defined]
    cursor.execute("SELECT set_config('search_path', %s, false)", [saved])
