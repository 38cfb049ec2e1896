"""Cursor pagination: `{"items": [...], "next": "<cursor>" | null}`.

The cursor is opaque to callers: URL-safe base64 of the JSON list [sort value, id, order]
of the last item given. The next page starts strictly after that pair, so rows added or
removed meanwhile never make a page repeat or skip one (keyset pagination; no OFFSET).

Syncing (`updated_since`, `ordering=updated_at`): the cursor is then (updated_at, id). A row
changed while a client pages gets a later updated_at, so it leaves its place and comes
again on a later page: a row is never skipped, and seen twice only when it changed.
"""

import base64
import binascii
import json
from datetime import UTC, date, datetime
from typing import Generic, Literal, TypeVar

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _
from ninja import Field, Schema
from pydantic import AwareDatetime, field_validator

from portal.prepared import PreparedQuery

DEFAULT_LIMIT = 50
MAX_LIMIT = 200

T = TypeVar("T")


class PageParams(Schema):
    cursor: str | None = Field(None, description="The `next` cursor of the previous page.")
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT,
                       description=f"Items per page, at most {MAX_LIMIT}.")


class SyncParams(Schema):
    updated_since: AwareDatetime | None = Field(
        None, description="Only what changed at or after this time (ISO 8601 with its "
                          "offset, e.g. 2026-05-01T08:00:00+00:00).")
    ordering: Literal["updated_at", "-updated_at"] | None = Field(
        None, description="`updated_at`: least recently changed first, the order to sync "
                          "by (a row changed while you page comes again on a later page); "
                          "`-updated_at`: most recently changed first. By default, each "
                          "list's own order.")

    @field_validator("updated_since")
    @classmethod
    def in_utc(cls, value):
        # PostgreSQL takes offsets up to ±15:59 only; Python, up to a day.
        if value is None:
            return value
        try:
            return value.astimezone(UTC)
        except OverflowError as error:
            raise ValueError(_("This date and time is out of range.")) from error


class Page(Schema, Generic[T]):
    items: list[T]
    next: str | None = Field(description="Cursor of the next page; null on the last page.")


def _plain(value):
    # Full precision: DjangoJSONEncoder would cut microseconds, and rows would be skipped.
    return value.isoformat() if isinstance(value, (datetime, date)) else value


def encode_cursor(value, pk, order=None):
    parts = [_plain(value), pk] if order is None else [_plain(value), pk, order]
    raw = json.dumps(parts, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor, field, order=None):
    invalid = ValidationError({"cursor": _("This cursor is not valid: use the `next` value "
                                           "of the previous page.")})
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value, pk, *rest = json.loads(raw)
        # A cursor of another order (say, given back with a new `ordering`) would start the
        # page at the wrong place.
        if not isinstance(pk, int) or rest not in ([], [order]):
            raise ValueError
        return field.to_python(value), pk
    except (binascii.Error, ValueError, TypeError, ValidationError, UnicodeDecodeError) as error:
        raise invalid from error


def _page_query(queryset, order, after, limit):
    """The page's queryset: `limit + 1` rows in `order` (one field, "-" for descending;
    the primary key breaks ties in the same direction), strictly after the pair `after`
    (value, pk) when given."""
    name = order.lstrip("-")
    descending = order.startswith("-")
    queryset = queryset.order_by(order, "-pk" if descending else "pk")
    if after is not None:
        value, pk = after
        direction = "lt" if descending else "gt"
        queryset = queryset.filter(Q(**{f"{name}__{direction}": value})
                                   | Q(**{name: value, f"pk__{direction}": pk}))
    return queryset[:limit + 1]


def _page(rows, limit, order):
    if len(rows) <= limit:
        return rows, None
    last = rows[limit - 1]
    return rows[:limit], encode_cursor(getattr(last, order.lstrip("-")), last.pk, order)


def paginate(queryset, params, order):
    """(the page's rows, the next cursor), by `order` then the primary key."""
    after = None
    if params.cursor:
        field = queryset.model._meta.get_field(order.lstrip("-"))
        after = decode_cursor(params.cursor, field, order)
    return _page(list(_page_query(queryset, order, after, params.limit)), params.limit, order)


def synced(queryset, sync):
    """The rows changed since `sync.updated_since` (all without it). At or after: a client
    that passes the latest updated_at it saw gets that row again rather than missing one
    written in the same instant."""
    if sync.updated_since is None:
        return queryset
    return queryset.filter(updated_at__gte=sync.updated_since)


def paginate_synced(queryset, params, sync, order):
    """`paginate` with the list's sync parameters: `updated_since` and `ordering`."""
    return paginate(synced(queryset, sync), params, sync.ordering or order)


def paginate_prepared(rows, params, sync, order):
    """`paginate_synced` of a list that sync clients poll all day, compiled once per thread
    for each shape (portal/prepared.py): `rows` is a PreparedRows."""
    order = sync.ordering or order
    model = rows.model
    fields = dict(rows.params)
    values = dict(rows.values)
    if sync.updated_since is not None:
        fields["since"] = model._meta.get_field("updated_at")
        values["since"] = sync.updated_since
    if params.cursor:
        fields["after"] = model._meta.get_field(order.lstrip("-"))
        fields["after_pk"] = model._meta.pk
        values["after"], values["after_pk"] = decode_cursor(params.cursor, fields["after"],
                                                            order)

    def build(**given):
        queryset = rows.build(**{name: given[name] for name in rows.params})
        if "since" in given:
            queryset = queryset.filter(updated_at__gte=given["since"])
        after = (given["after"], given["after_pk"]) if "after" in given else None
        return _page_query(queryset, order, after, params.limit)

    query = PreparedQuery((rows.key, order, tuple(sorted(fields)), params.limit), build,
                          fields)
    return _page(query(**values), params.limit, order)


def paginate_rows(rows, params, sync):
    """(the page's items, the next cursor) of a list read by offset in its own order (the
    vendor console's: console.crossschema.Rows, rows of the console's index and what each
    becomes), with the sync parameters: with `ordering`, keyset pages on (updated_at, id)
    as in paginate_synced; without it, offset pages of what changed since `updated_since`
    in the list's own order."""
    if sync.ordering:
        found, cursor = paginate(synced(rows.queryset, sync), params, sync.ordering)
        return [rows.row(row) for row in found], cursor
    offset = decode_offset(params.cursor)
    found, total = rows.page(offset, params.limit, sync.updated_since)
    return found, next_offset(offset, params, total)


# Offset pages, for lists that are read whole or across partners' schemas (the vendor
# console's): the same {"items", "next"} shape, but the cursor is an opaque position, so a
# row added meanwhile may shift a page by one.

def encode_offset(offset):
    return encode_cursor("offset", offset)


def decode_offset(cursor):
    if not cursor:
        return 0
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        kind, offset = json.loads(raw)
        if kind != "offset" or not isinstance(offset, int) or offset < 0:
            raise ValueError
        return offset
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError) as error:
        raise ValidationError({"cursor": _("This cursor is not valid: use the `next` value "
                                           "of the previous page.")}) from error


def next_offset(offset, params, total):
    """The cursor after the page that starts at `offset`, or None on the last page."""
    end = offset + params.limit
    return encode_offset(end) if end < total else None
