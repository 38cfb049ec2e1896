"""The vendor console's JSON API, version 1, at /api/v1/ on the console's domain: vendor
staff's cross-partner reads, through console.crossschema like the console's pages.

A second NinjaAPI with its own URL namespace (names must be unique per urlconf, and the
partners' API is mounted on the other urlconf), with the partners' API's conventions:
problem details, `{"items", "next"}` pages, the rate limit. Signed in by the console's
session, or a CSM's read-only console token (see ConsoleToken); nothing here changes
anything yet, so it needs no Idempotency-Key.
"""

from ninja import Swagger

from portal.api import problems
from portal.api.auth import ConsoleSession, ConsoleToken
from portal.api.base import PortalAPI

from .customers import router as customers
from .escalations import router as escalations
from .reports import router as reports

DESCRIPTION = """
The Poly+ Enterprise vendor console's API, for vendor staff: what the console shows you
across partners.

**Authentication.** Sign in to the vendor console: the API answers its session (changes
will need the `X-CSRFToken` header). Customer success managers may also create a personal,
read-only console token (*My profile → API tokens*) for their own tools and send it as
`Authorization: Bearer <token>`: it sees what their pages show, and any change answers 403
`insufficient-scope`. Partner portals' tokens are not accepted here. Each operation is for
one role: support engineers read the escalation queue; customer success managers their
assigned customers and their reports. Anything else answers 404.

**Errors** are RFC 9457 problem details (`application/problem+json`), as in the partners'
API: every answer is JSON, and a query parameter an operation does not take is refused
(422). **Lists** are pages of `{"items": [...], "next": "<cursor>" | null}`: pass `next`
back as `cursor`; `limit` is 50 by default, 200 at most. **Syncing**, as in the partners'
API: every list takes `updated_since` (ISO 8601 with its offset) and `ordering=updated_at`
(or `-updated_at`), every item carries its `updated_at`, and a row changed while you page
with `ordering=updated_at` comes again on a later page, never skipped. A row is changed
when what the list shows of it changes, or when its customer is newly assigned to you; a
row that leaves a list (an escalation closed, with the default `status=open`; a customer
no longer yours) does not come: to follow escalations to their end, sync with `status=`
(empty). Lists answer an `ETag`; send it back as `If-None-Match` to get 304 with no body
while the answer is unchanged. **Rate limit:** every answer
carries `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset`; beyond it, 429
with `Retry-After`.

**Ids** are those of each partner's portal: an object is named by its partner's `slug` and
its `id` together.
"""

console_api = PortalAPI(
    title="Poly+ Enterprise vendor console API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="console-api-v1",
    auth=[ConsoleToken(), ConsoleSession()],
    docs=Swagger(settings={"persistAuthorization": False}),
)
problems.install(console_api, console=True)
console_api.add_router("/escalations", escalations)
console_api.add_router("/reports", reports)
console_api.add_router("/customers", customers)
