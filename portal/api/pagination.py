"""Cursor pagination: `{"items": [...], "next": "<cursor>" | null}`.

The cursor is opaque to callers: URL-safe base64 of the JSON pair [sort value, id] of the
last item given. The next page starts strictly after that pair, so rows added or removed
meanwhile never make a page repeat or skip one (keyset pagination; no OFFSET).
"""

import base64
import binascii
import json
from datetime import date, datetime
from typing import Generic, TypeVar

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _
from ninja import Field, Schema

DEFAULT_LIMIT = 50
MAX_LIMIT = 200

T = TypeVar("T")


class PageParams(Schema):
    cursor: str | None = Field(None, description="The `next` cursor of the previous page.")
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT,
                       description=f"Items per page, at most {MAX_LIMIT}.")


class Page(Schema, Generic[T]):
    items: list[T]
    next: str | None = Field(description="Cursor of the next page; null on the last page.")


def _plain(value):
    # Full precision: DjangoJSONEncoder would cut microseconds, and rows would be skipped.
    return value.isoformat() if isinstance(value, (datetime, date)) else value


def encode_cursor(value, pk):
    raw = json.dumps([_plain(value), pk], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor, field):
    invalid = ValidationError({"cursor": _("This cursor is not valid: use the `next` value "
                                           "of the previous page.")})
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value, pk = json.loads(raw)
        if not isinstance(pk, int):
            raise ValueError
        return field.to_python(value), pk
    except (binascii.Error, ValueError, TypeError, ValidationError, UnicodeDecodeError) as error:
        raise invalid from error


def paginate(queryset, params, order):
    """(the page's rows, the next cursor). `order` is one field, "-" for descending; the
    primary key breaks ties in the same direction."""
    name = order.lstrip("-")
    descending = order.startswith("-")
    pk_order = "-pk" if descending else "pk"
    queryset = queryset.order_by(order, pk_order)
    if params.cursor:
        value, pk = decode_cursor(params.cursor, queryset.model._meta.get_field(name))
        after = "lt" if descending else "gt"
        queryset = queryset.filter(Q(**{f"{name}__{after}": value})
                                   | Q(**{name: value, f"pk__{after}": pk}))
    rows = list(queryset[:params.limit + 1])
    if len(rows) <= params.limit:
        return rows, None
    last = rows[params.limit - 1]
    return rows[:params.limit], encode_cursor(getattr(last, name), last.pk)


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


def paginate_list(rows, params):
    """(the page's rows, the next cursor) of a list already in memory."""
    offset = decode_offset(params.cursor)
    return rows[offset:offset + params.limit], next_offset(offset, params, len(rows))
