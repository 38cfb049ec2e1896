"""Who is calling the API: a personal token (`Authorization: Bearer …`) or the portal's own
signed-in session (the portal's htmx calls, the documentation page).

A token acts as its user: the same role checks and the same `customers_visible_to` as the
pages. Tokens live in their partner's schema, so another partner's token finds nothing here
and is refused (401). A request that carries an Authorization header is judged by it alone,
never by a session cookie that happens to come with it.
"""

from dataclasses import dataclass

from django.conf import settings
from django.http import Http404
from django.utils import translation
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from portal.clientip import client_ip
from portal.tenants.middleware import requested_language
from portal.users import services as user_services
from portal.users.access import has_role
from portal.users.middleware import mfa_enrolment_required
from portal.users.models import PARTNER_ROLES, VENDOR_ROLES, ApiToken, User

from . import ratelimit
from .problems import CsrfFailed, InsufficientScope, SecondFactorRequired

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


@dataclass(frozen=True)
class Credential:
    """What `request.auth` holds once a request is authenticated."""

    user: User
    token: ApiToken | None = None  # None: the portal's session

    @property
    def can_write(self):
        return self.token is None or self.token.can_write

    @property
    def subject(self):
        """Whose requests are counted together by the rate limit."""
        return f"token:{self.token.pk}" if self.token else f"user:{self.user.pk}"

    def __str__(self):
        return self.subject


def _authenticate(request, roles, tokens):
    header = request.headers.get("Authorization")
    if header is not None:
        if not tokens:
            return None
        scheme, _, secret = header.strip().partition(" ")
        if scheme.lower() != "bearer":
            return None
        token = user_services.api_token_for(secret.strip())
        if token is None:
            # Guessing tokens costs the guesser's address its allowance.
            ratelimit.check(f"ip:{client_ip(request)}", unknown_token=True)
            return None
        credential = Credential(token.user, token)
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
    if request.method not in SAFE_METHODS and not credential.can_write:
        raise InsufficientScope()
    if requested_language(request) is None and credential.user.language:
        translation.activate(credential.user.language)
        request.LANGUAGE_CODE = credential.user.language
    if mfa_enrolment_required(credential.user):
        # The pages send such a user to enrolment; a token made earlier waits for it too.
        raise SecondFactorRequired()
    return credential


def authenticate(request, roles=PARTNER_ROLES, tokens=True):
    """The request's Credential or None; raises the problem that refuses it. Worked out
    once per request: the idempotency layer asks before the operation does. A request
    reaches one API only: the partners' (the default) or the console's."""
    outcome = request.__dict__.get("_api_authentication")
    if outcome is None:
        try:
            outcome = (_authenticate(request, roles, tokens), None)
        except Exception as error:  # kept, to be raised again for the second asker
            outcome = (None, error)
        request._api_authentication = outcome
    credential, error = outcome
    if error is not None:
        raise error
    return credential


class BearerToken(HttpBearer):
    """Authorization: Bearer <personal API token, made on the portal's API tokens page>."""

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


class ConsoleSession(PortalSession):
    """The vendor console's signed-in session (vendor staff), with the CSRF token for
    anything but reads. Personal tokens live in the partners' schemas and belong to partner
    users: the console takes none, and a request with an Authorization header is refused."""

    def __call__(self, request):
        return authenticate(request, VENDOR_ROLES, tokens=False)

    def authenticate(self, request, key):
        return authenticate(request, VENDOR_ROLES, tokens=False)


def require_role(request, *roles):
    """The pages' role check for an API operation: refused is not found (404)."""
    if not has_role(request.auth.user, roles):
        raise Http404
    return request.auth.user
