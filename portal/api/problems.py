"""Every error of the API is an RFC 9457 problem: `application/problem+json` with `type`,
`title`, `status`, `detail`, and `errors` ({field: [messages]}) when fields are at fault.
Messages are in the request's language (French or English)."""

import json
import logging
from http import HTTPStatus

from django.core.exceptions import (
    BadRequest,
    PermissionDenied,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpResponse, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as RequestValidationError

from portal.unavailable import UNAVAILABLE, log_unavailable, retry_after

logger = logging.getLogger(__name__)

CONTENT_TYPE = "application/problem+json"
# Relative references, resolved against the API's address; described in the OpenAPI text.
TYPE_ROOT = "/api/v1/problems/"
# A body Django cannot read (a multipart body without its boundary, a truncated upload, too
# many fields, too large): the caller's mistake, never a server error.
UNREADABLE = (MultiPartParserError, UnreadablePostError, BadRequest, RequestDataTooBig,
              TooManyFieldsSent, TooManyFilesSent)


class Problem(Exception):
    """An error the API answers with a problem of its own type."""

    status = 400
    slug = ""
    headers = {}

    def __init__(self, detail="", *, errors=None, headers=None):
        super().__init__(detail)
        self.detail = detail
        self.errors = errors
        if headers:
            self.headers = headers

    def title(self):
        return HTTPStatus(self.status).phrase


class InsufficientScope(Problem):
    """A read-only personal token that would change something, or an integration token
    without the scope of the operation (`scope`: the one needed, None when no scope opens
    it)."""

    status, slug = 403, "insufficient-scope"

    def title(self):
        if self.integration:
            return _("This token lacks the scope needed")
        return _("This token is read-only")

    def __init__(self, scope=None, *, integration=None):
        self.integration = integration if integration is not None else scope is not None
        if scope:
            detail = _("This operation needs the scope “%(scope)s”. A partner administrator "
                       "can add it to the integration token.") % {"scope": scope}
        elif self.integration:
            detail = _("No scope of an integration token opens this operation.")
        else:
            detail = _("A read-only token cannot change anything. Create a read-and-write "
                       "token to send this request.")
        super().__init__(detail)


class SecondFactorRequired(Problem):
    status, slug = 403, "second-factor-required"

    def title(self):
        return _("Enrol a second factor first")

    def __init__(self):
        super().__init__(_("Your role requires a second factor: enrol a second factor first "
                           "(sign in to the portal and follow the steps), then this token "
                           "works again."))


class CsrfFailed(Problem):
    status, slug = 403, "csrf-failed"

    def title(self):
        return _("CSRF check failed")

    def __init__(self):
        super().__init__(_("A request signed in with the portal's session must carry the "
                           "page's CSRF token (X-CSRFToken header). Tools should send an API "
                           "token instead."))


class RateLimited(Problem):
    status, slug = 429, "rate-limited"

    def title(self):
        return _("Too many requests")

    def __init__(self, retry_after, unknown_token=False):
        if unknown_token:
            detail = _("Too many requests with unknown tokens came from this address. Try "
                       "again in %(seconds)d seconds.")
        else:
            detail = _("This token has sent too many requests. Try again in %(seconds)d "
                       "seconds.")
        super().__init__(detail % {"seconds": retry_after},
                         headers={"Retry-After": str(retry_after)})


class IdempotencyKeyReused(Problem):
    status, slug = 422, "idempotency-key-reused"

    def title(self):
        return _("Idempotency key already used")

    def __init__(self):
        super().__init__(_("This Idempotency-Key was already sent with a different request. "
                           "Use a new key for a new request."),
                         errors={"Idempotency-Key": [_("Already used for another request.")]})


def problem_response(request, status, *, title=None, detail="", slug="", errors=None,
                     headers=None):
    body = {
        "type": TYPE_ROOT + slug if slug else "about:blank",
        "title": str(title or HTTPStatus(status).phrase),
        "status": status,
    }
    if detail:
        body["detail"] = str(detail)
    if errors:
        body["errors"] = {field: [str(message) for message in messages]
                          for field, messages in errors.items()}
    body["instance"] = request.path
    response = HttpResponse(json.dumps(body, cls=DjangoJSONEncoder), status=status,
                            content_type=CONTENT_TYPE)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def unreadable_problem(request, error):
    if isinstance(error, RequestDataTooBig):
        return problem_response(request, 413, title=_("Request too large"),
                                detail=_("The request body is larger than this API accepts."))
    return problem_response(request, 400, title=_("Bad request"),
                            detail=_("The request body could not be read: send JSON, or "
                                     "multipart/form-data with its boundary, as the operation "
                                     "describes."))


def status_problem(request, status, headers=None):
    """A problem for an answer given outside the operations: an unknown path, a method the
    path does not take, an error of a middleware."""
    title, detail = None, ""
    if status == 404:
        title, detail = _("Not found"), _("Nothing here, or nothing you may see.")
        if request.path.endswith("/"):
            detail = _("Nothing here: the API's paths end without a slash, e.g. "
                       "%(path)s.") % {"path": request.path.rstrip("/")}
    elif status == 405:
        title = _("Method not allowed")
        detail = _("This path does not take %(method)s; it takes: %(allowed)s.") % {
            "method": request.method, "allowed": (headers or {}).get("Allow", "")}
    elif status >= 500:
        title = _("Server error")
        detail = _("Something went wrong on our side. Try again later.")
    return problem_response(request, status, title=title, detail=detail, headers=headers)


def validation_problem(request, errors, detail=""):
    non_field = [str(message) for message in errors.pop("__all__", [])]
    return problem_response(
        request, 422, title=_("The request is not valid"), slug="validation",
        detail=" ".join([*non_field, detail]).strip() or _("See the errors of each field."),
        errors=errors)


# --- Request validation (pydantic) ----------------------------------------------------------

UNKNOWN_PARAMETER = "unknown_parameter"
OPERATION_MESSAGE = "operation_message"  # the operation's own words, already translated


def _message(error):
    """A pydantic error in words the portal already speaks (Django's own translations)."""
    kind, context = error.get("type", ""), error.get("ctx") or {}
    if kind == "missing":
        return _("This field is required.")
    if kind.startswith("int_"):
        return _("Enter a whole number.")
    if kind == "greater_than_equal":
        return _("Ensure this value is greater than or equal to %(limit_value)s.") % {
            "limit_value": context.get("ge")}
    if kind == "less_than_equal":
        return _("Ensure this value is less than or equal to %(limit_value)s.") % {
            "limit_value": context.get("le")}
    if kind.startswith("datetime_"):
        return _("Enter a valid date/time.")
    if kind.startswith("date_"):
        return _("Enter a valid date.")
    if kind in ("json_invalid", "model_attributes_type", "dict_type"):
        return _("Enter a valid JSON.")
    if kind == OPERATION_MESSAGE:
        return error["msg"]
    if kind == UNKNOWN_PARAMETER:
        return _("This operation has no such parameter. Its parameters: %(names)s.") % {
            "names": ", ".join(context.get("known") or ()) or "-"}
    if kind in ("literal_error", "enum"):
        return _("Select a valid choice. That choice is not one of the available choices.")
    return _("Enter a valid value.")


def _field(location):
    # ("body", "payload", "subject") → "subject"; ("query", "limit") → "limit"
    source, *rest = location or ("",)
    if source == "body" and rest:
        rest = rest[1:]
    return ".".join(str(part) for part in rest) or "__all__"


def request_errors(errors):
    fields = {}
    for error in errors:
        fields.setdefault(_field(error.get("loc")), []).append(_message(error))
    return fields


# --- Handlers -------------------------------------------------------------------------------

def install(api, *, console=False):
    """Puts the problem handlers in place of django-ninja's own. `console`: the vendor
    console's API, signed in by session or a CSM's console token."""

    def on_request_invalid(request, exc):
        return validation_problem(request, request_errors(exc.errors))

    def on_invalid(request, exc):
        if hasattr(exc, "error_dict"):
            return validation_problem(request, dict(exc.message_dict))
        return validation_problem(request, {}, " ".join(exc.messages))

    def on_not_found(request, exc):
        # Anything out of the caller's reach is simply not there (never a 403).
        return problem_response(request, 404, title=_("Not found"),
                                detail=_("Nothing here, or nothing you may see."))

    def on_unauthenticated(request, exc):
        if console:
            return problem_response(
                request, 401, title=_("Authentication required"),
                detail=_("Sign in to the vendor console, or send a CSM's console token in "
                         "the Authorization header (Bearer)."),
                headers={"WWW-Authenticate": 'Bearer realm="console-api"'})
        return problem_response(
            request, 401, title=_("Authentication required"),
            detail=_("Send a valid API token of this portal in the Authorization header "
                     "(Bearer), or sign in to the portal."),
            headers={"WWW-Authenticate": 'Bearer realm="api"'})

    def on_http_error(request, exc):
        if exc.status_code == 400:  # ninja could not read the body
            return problem_response(request, 400, title=_("Bad request"),
                                    detail=_("The request body could not be read: send a "
                                             "JSON object."))
        return problem_response(request, exc.status_code, detail=exc.message)

    def on_problem(request, exc):
        return problem_response(request, exc.status, title=exc.title(), detail=exc.detail,
                                slug=exc.slug, errors=exc.errors, headers=exc.headers)

    def on_unavailable(request, exc):
        log_unavailable(request, exc)
        return problem_response(
            request, 503, title=_("Temporarily unavailable"), slug="unavailable",
            detail=_("This request needs a service of the portal that is not answering right "
                     "now. Try again after the time given in Retry-After."),
            headers={"Retry-After": retry_after()})

    def on_error(request, exc):
        logger.error("API error on %s %s", request.method, request.path, exc_info=exc)
        return problem_response(request, 500, title=_("Server error"),
                                detail=_("Something went wrong on our side. Try again later."))

    api.add_exception_handler(RequestValidationError, on_request_invalid)
    api.add_exception_handler(DjangoValidationError, on_invalid)
    api.add_exception_handler(Http404, on_not_found)
    api.add_exception_handler(PermissionDenied, on_not_found)
    api.add_exception_handler(AuthenticationError, on_unauthenticated)
    api.add_exception_handler(HttpError, on_http_error)
    api.add_exception_handler(Problem, on_problem)
    for unreadable in UNREADABLE:
        api.add_exception_handler(unreadable, unreadable_problem)
    for unavailable in UNAVAILABLE:
        api.add_exception_handler(unavailable, on_unavailable)
    api.add_exception_handler(Exception, on_error)


def cleaned(form, names=None):
    """The form's cleaned data; a ValidationError (→ 422) with its messages otherwise.
    The API validates with the pages' own forms, so the rules and the wording are theirs;
    `names` renames form fields to the API's ({"customer": "site_id"})."""
    if form.is_valid():
        return form.cleaned_data
    names = names or {}
    raise DjangoValidationError({names.get(field, field): errors
                                 for field, errors in form.errors.as_data().items()})


def renamed(error, names):
    """A service's ValidationError with its fields named as the API names them."""
    if not hasattr(error, "error_dict"):
        return error
    return DjangoValidationError({names.get(field, field): errors
                                  for field, errors in error.error_dict.items()})
