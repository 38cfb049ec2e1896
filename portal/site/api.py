"""The partners' JSON API, version 1, at /api/v1/ on every partner portal.

Operations live beside the pages they mirror (`<app>/api.py`) and call the same services;
this module puts them together with the API's conventions: authentication (auth.py),
problem details (problems.py), cursor pages (pagination.py), Idempotency-Key
(idempotency.py) and the rate limit (ratelimit.py).
"""

from ninja import Swagger

from contracts.api import customers
from contracts.api import router as contracts
from inventory.api import router as devices
from inventory.lens_api import router as lens_imports
from portal.api import problems
from portal.api.auth import BearerToken, PortalSession
from portal.api.base import PortalAPI
from portal.webhooks.api import router as webhooks
from reporting.api import quotes, reports
from tickets.api import router as tickets
from tickets.rma.api import router as rmas

DESCRIPTION = """
The Poly+ Enterprise portal's API: the devices, Poly Lens imports, tickets, replacements,
contracts and reports you see in the portal, for your own tools.

**Authentication.** Create a personal token on the portal (*My profile → API tokens*) and
send it as `Authorization: Bearer <token>`. A token acts as you, with your role; a
read-only token cannot change anything (403). It works on this portal only. Signed-in
portal pages may call the API with their session and the `X-CSRFToken` header.

**Integration tokens** belong to the partner, not to a person: a partner administrator
creates them (*Users → Integration tokens*) with scopes per resource (`tickets:read`,
`tickets:write`, …; write includes read) and optionally one customer. They are sent the
same way. A GET needs the resource's read scope, anything else its write scope, else 403
`insufficient-scope` naming the scope needed. A token restricted to one customer sees and
acts on that customer's objects only (404 for any other).

**Errors** are RFC 9457 problem details (`application/problem+json`): `type`, `title`,
`status`, `detail`, and `errors` (messages per field, every field at fault at once) when
fields are at fault. Every answer is JSON, an unknown path or a method a path does not
take (405, with `Allow`) included; the paths end without a slash. A query parameter an
operation does not take is refused (422), not ignored. Anything out of your reach answers
404. Types of our own: `/api/v1/problems/validation`,
`insufficient-scope`, `second-factor-required` (403: your role requires a second factor;
enrol one on the portal first), `csrf-failed`, `rate-limited`, `idempotency-key-reused`, and
`unavailable` (503 with `Retry-After`: the request needs a service that is briefly down).

**Lists** are pages of `{"items": [...], "next": "<cursor>" | null}`: pass `next` back as
`cursor` for the following page; `limit` is 50 by default, 200 at most.

**Syncing.** Every list takes `updated_since` (ISO 8601 with its offset) and
`ordering=updated_at` (or `-updated_at`); every item carries its `updated_at`. Page through
with `ordering=updated_at`: a row changed while you page moves to the end and comes again
on a later page, so nothing is skipped and a row comes twice only when it changed. For the
next sync, pass the greatest `updated_at` you received, less a minute: a change written at
the same time as your last page may become visible a moment later; items you receive again
are the same or newer.

**Conditional reads.** Lists and details answer an `ETag`; send it back as
`If-None-Match` to get 304 with no body while the answer is unchanged.

**Uploads.** A Poly Lens export is sent as `multipart/form-data` (`file`, `site_id`,
`full_export`); its import runs in the background (202): follow it at
`/api/v1/lens-imports/{id}`.

**Idempotency.** Integrations send an `Idempotency-Key` header (a new UUID per request)
with every POST: sent again with the same key, the request answers the first response
(header `Idempotent-Replayed: true`) and creates nothing; the same key with another
request is refused (422). A request without the header is still served.

**Rate limit.** Each token may send a limited number of requests per period: every
authenticated answer carries `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset`
(seconds); beyond it the API answers 429 with `Retry-After` (seconds).

**Webhooks.** Partner administrators manage their endpoints at `/api/v1/webhook-endpoints`
and read each endpoint's deliveries with every attempt; the events and how to check a
delivery are described in the portal's README.

**Formats.** Dates and times are ISO 8601 with their offset (UTC); money and exact
quantities are decimal strings. Messages come in French or English, by `Accept-Language`.
"""


api = PortalAPI(
    title="Poly+ Enterprise partner portal API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api-v1",
    auth=[BearerToken(), PortalSession()],
    docs=Swagger(settings={"persistAuthorization": False}),
    idempotency=True,
)
problems.install(api)
api.add_router("/devices", devices)
api.add_router("/lens-imports", lens_imports)
api.add_router("/tickets", tickets)
api.add_router("/rmas", rmas)
api.add_router("/customers", customers)
api.add_router("/contracts", contracts)
api.add_router("/reports", reports)
api.add_router("/true-up-quotes", quotes)
api.add_router("/webhook-endpoints", webhooks)
