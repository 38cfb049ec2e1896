"""Conditional reads: an `ETag` on lists and details, and `If-None-Match` answered 304.

The tag is a digest of the answer itself, so it changes with anything the answer shows:
the rows' own changes, a related customer renamed, a deadline passing, the caller's role
(a customer user's answers leave fields out) or language. It is weak: the same answer may
come out in other bytes. A 304 saves the transfer and the client's work; to poll cheaply,
use `updated_since`.
"""

import hashlib
import json
from datetime import date, datetime

from django.http import HttpResponseNotModified
from django.utils.http import parse_etags

IF_NONE_MATCH = {
    "in": "header", "name": "If-None-Match", "required": False,
    "description": "The `ETag` of an answer you hold: 304 with no body if it is unchanged.",
    "schema": {"type": "string"},
}
ETAG_HEADER = {"ETag": {"description": "A weak tag of this answer, for If-None-Match.",
                        "schema": {"type": "string"}}}

# For the operations' `openapi_extra`.
CONDITIONAL_OPENAPI = {
    "parameters": [IF_NONE_MATCH],
    "responses": {200: {"headers": ETAG_HEADER},
                  304: {"description": "Not modified: the answer is the one your "
                                       "If-None-Match names.", "headers": ETAG_HEADER}},
}


def _plain(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()  # full precision: two changes in a millisecond differ
    return str(value)  # decimals, lazy translations


def etag_of(body):
    raw = json.dumps(body, default=_plain, sort_keys=True, separators=(",", ":")).encode()
    return f'W/"{hashlib.blake2b(raw, digest_size=16).hexdigest()}"'


def _opaque(tag):
    return tag.removeprefix("W/")


def matches(request, etag):
    """If-None-Match names `etag` (weak comparison, RFC 9110 §13.1.2), or is `*`."""
    header = request.headers.get("If-None-Match")
    if not header:
        return False
    tags = parse_etags(header)
    return "*" in tags or _opaque(etag) in {_opaque(tag) for tag in tags}


def conditional(request, response, body):
    """The answer `body`, tagged; or 304 with no body when the caller already holds it.
    `response` is the operation's temporal response (ninja), where the header is set."""
    etag = etag_of(body)
    if matches(request, etag):
        not_modified = HttpResponseNotModified()
        not_modified["ETag"] = etag
        return not_modified
    response["ETag"] = etag
    return body
