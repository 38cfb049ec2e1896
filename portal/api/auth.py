"""Who is calling the API: a personal token (`Authorization: Bearer ppe_…`), a partner's
integration token (`Bearer ppi_…`), or the portal's own signed-in session (the portal's
htmx calls, the documentation page).

A personal token acts as its user: the same role checks and the same
`customers_visible_to` as the pages. An integration token acts as its own service account
(portal.users.models.ServiceToken): a user of the partner administrator role, or of the
customer user role when the token is restricted to one customer. That principal is a
real row of the users table, so every existing role check, visibility rule, foreign key
("opened by") and change history record works for it without special cases; it cannot
sign in and is listed nowhere, and history names it "via integration <name>". On top of
the role, the token's scopes decide per resource (RESOURCE_OF_PATH) and method: read for
GET, write otherwise, else 403 `insufficient-scope` naming the scope needed.

Tokens live in their partner's schema, so another partner's token finds nothing here and
is refused (401). A request that carries an Authorization header is judged by it alone,
never by a session cookie that happens to come with it. The vendor console takes CSMs'
personal tokens, read only.
"""

from dataclasses import dataclass

from django.conf import settings
from django.http import Http404
from django.urls import resolve, reverse
from django.utils import translation
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from portal.clientip import client_ip
from portal.tenants.middleware import requested_language
from portal.users import services as user_services
from portal.users.access import has_role
from portal.users.middleware import mfa_enrolment_required
from portal.users.models import (
    PARTNER_ROLES,
    READ,
    VENDOR_ROLES,
    WRITE,
    ApiToken,
    Resource,
    Role,
    ServiceToken,
    User,
)

from . import ratelimit
from .problems import CsrfFailed, InsufficientScope, SecondFactorRequired

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")

# The first segment of an operation's path under /api/v1/ → the resource of its scope.
# Every router of the partners' API is named here (tests/api/test_service_tokens.py).
RESOURCE_OF_PATH = {
    "devices": Resource.DEVICES,
    "lens-imports": Resource.DEVICES,
    "tickets": Resource.TICKETS,
    "rmas": Resource.RMAS,
    "contracts": Resource.CONTRACTS,
    "true-up-quotes": Resource.CONTRACTS,
    "reports": Resource.REPORTS,
    "customers": Resource.CUSTOMERS,
    "webhook-endpoints": Resource.WEBHOOKS,
}
# Console tokens: a CSM's own tools, reading what the CSM's pages show.
CONSOLE_TOKEN_ROLES = frozenset({Role.CSM})


def required_scope(request):
    """`<resource>:read` or `<resource>:write` for this request, or None when its path
    names no resource."""
    match = request.resolver_match or resolve(request.path_info)
    root = reverse(f"{match.namespace}:api-root")
    segment = request.path[len(root):].split("/", 1)[0] if request.path.startswith(root) \
        else ""
    resource = RESOURCE_OF_PATH.get(segment)
    if resource is None:
        return None
    return f"{resource}:{READ if request.method in SAFE_METHODS else WRITE}"


@dataclass(frozen=True)
class Credential:
    """What `request.auth` holds once a request is authenticated."""

    user: User
    token: ApiToken | None = None  # None: the portal's session or an integration token
    service_token: ServiceToken | None = None

    @property
    def can_write(self):
        return self.token is None or self.token.can_write

    @property
    def subject(self):
        """Whose requests are counted together by the rate limit."""
        if self.service_token:
            return f"integration:{self.service_token.pk}"
        return f"token:{self.token.pk}" if self.token else f"user:{self.user.pk}"

    def check_scope(self, request, read_only):
        safe = request.method in SAFE_METHODS
        if self.service_token is not None:
            needed = required_scope(request)
            if needed is None or not self.service_token.allows(needed):
                raise InsufficientScope(needed, integration=True)
        elif not safe and (not self.can_write or (read_only and self.token is not None)):
            raise InsufficientScope()

    def __str__(self):
        return self.subject


def _token_credential(request, service_tokens):
    scheme, _, secret = request.headers["Authorization"].strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    secret = secret.strip()
    credential = None
    if secret.startswith(user_services.SERVICE_TOKEN_MARK):
        service_token = user_services.service_token_for(secret) if service_tokens else None
        if service_token is not None:
            credential = Credential(service_token.user, service_token=service_token)
    else:
        token = user_services.api_token_for(secret)
        if token is not None:
            credential = Credential(token.user, token)
    if credential is None:
        # Guessing tokens costs the guesser's address its allowance.
        ratelimit.check(f"ip:{client_ip(request)}", unknown_token=True)
    return credential


def _authenticate(request, roles, token_roles, read_only_tokens):
    if "Authorization" in request.headers:
        if not token_roles:
            return None
        credential = _token_credential(request, service_tokens=not read_only_tokens)
        if credential is None or not has_role(credential.user, token_roles):
            return None
    else:
        user = request.user
        if not user.is_authenticated:
            return None
        # The session cookie comes with any request the browser sends: changes need the
        # page's CSRF token. Checked only for a signed-in session, so that an anonymous
        # caller is told to authenticate rather than about CSRF.
        if request.method not in SAFE_METHODS and check_csrf(request) is not None:
            raise CsrfFailed()
        credential = Credential(user)
    if not has_role(credential.user, roles):
        return None
    request.user = credential.user  # change history and services see who acted
    ratelimit.check(credential.subject, request=request)
    credential.check_scope(request, read_only_tokens)
    if requested_language(request) is None and credential.user.language:
        translation.activate(credential.user.language)
        request.LANGUAGE_CODE = credential.user.language
    if mfa_enrolment_required(credential.user):
        # The pages send such a user to enrolment; a token made earlier waits for it too.
        raise SecondFactorRequired()
    return credential


def authenticate(request, roles=PARTNER_ROLES, token_roles=PARTNER_ROLES,
                 read_only_tokens=False):
    """The request's Credential or None; raises the problem that refuses it. Worked out
    once per request: the idempotency layer asks before the operation does. A request
    reaches one API only: the partners' (the default) or the console's, whose tokens are
    CSMs' and read only."""
    outcome = request.__dict__.get("_api_authentication")
    if outcome is None:
        try:
            outcome = (_authenticate(request, roles, token_roles, read_only_tokens), None)
        except Exception as error:  # kept, to be raised again for the second asker
            outcome = (None, error)
        request._api_authentication = outcome
    credential, error = outcome
    if error is not None:
        raise error
    return credential


class BearerToken(HttpBearer):
    """Authorization: Bearer <personal API token, made on the portal's API tokens page,
    or an integration token, made by a partner administrator>."""

    def __call__(self, request):
        if "Authorization" not in request.headers:
            return None
        return authenticate(request)

    def authenticate(self, request, token):
        return authenticate(request)


class PortalSession(APIKeyCookie):
    """The portal's signed-in session, with the CSRF token for anything but reads."""

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self):
        # csrf=True tells the documentation page to send the CSRF token; the check itself
        # is made in _authenticate, for signed-in sessions only.
        super().__init__(csrf=True)

    def _get_key(self, request):
        return request.COOKIES.get(self.param_name)

    def __call__(self, request):
        if "Authorization" in request.headers:
            return None
        return authenticate(request)

    def authenticate(self, request, key):
        return authenticate(request)


def console_authenticate(request):
    return authenticate(request, VENDOR_ROLES, CONSOLE_TOKEN_ROLES, read_only_tokens=True)


class ConsoleSession(PortalSession):
    """The vendor console's signed-in session (vendor staff), with the CSRF token for
    anything but reads."""

    def __call__(self, request):
        if "Authorization" in request.headers:
            return None
        return console_authenticate(request)

    def authenticate(self, request, key):
        return console_authenticate(request)


class ConsoleToken(HttpBearer):
    """Authorization: Bearer <a CSM's personal console token>: read only, and seeing what
    the CSM's pages show. Partners' tokens live in their own schemas: not found here."""

    def __call__(self, request):
        if "Authorization" not in request.headers:
            return None
        return console_authenticate(request)

    def authenticate(self, request, token):
        return console_authenticate(request)


def require_role(request, *roles):
    """The pages' role check for an API operation: refused is not found (404)."""
    if not has_role(request.auth.user, roles):
        raise Http404
    return request.auth.user


def require_own_site_id(user, site_id):
    """An integration token restricted to one customer that names another customer's Site
    ID in a creation: not found (404), as that customer's objects are. (A customer user's
    own Site ID is implied and any other ignored, as on the pages; a tool that names
    another customer is told rather than silently served its own.)"""
    if user.is_service_account and user.role == Role.CUSTOMER_USER \
            and (site_id or "").strip() \
            and site_id.strip().upper() != user.customer.site_id.upper():
        raise Http404
