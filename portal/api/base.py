"""The API class both JSON APIs (the partners' and the console's) are made of.

What every operation gets from it, without a line in the routers: unknown query parameters
refused (422, named), `Idempotency-Key` on every POST when the API asks for it, and an
OpenAPI description that says so (request and response headers, problem details, a
`servers` entry, no unused schemas)."""

import json

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from ninja import NinjaAPI
from ninja.errors import ValidationError as RequestValidationError

from . import problems
from .idempotency import HEADER as IDEMPOTENCY_HEADER
from .idempotency import MAX_LENGTH as IDEMPOTENCY_MAX_LENGTH
from .idempotency import REPLAYED_HEADER, idempotent

RATE_LIMIT_HEADERS = {
    "RateLimit-Limit": "Requests allowed in the current window.",
    "RateLimit-Remaining": "Requests left in the current window.",
    "RateLimit-Reset": "Seconds until the current window ends.",
}


class PortalAPI(NinjaAPI):
    def __init__(self, *args, idempotency=False, **kwargs):
        # Paths are written in full (/api/v1/…): the server is the portal's own address.
        kwargs.setdefault("servers", [{"url": "/", "description": "This portal"}])
        super().__init__(*args, **kwargs)
        self.idempotency = idempotency
        if idempotency:
            self.add_decorator(idempotent, mode="view")

    def get_openapi_operation_id(self, operation):
        return operation.view_func.__name__

    def _get_bound_routers(self):
        bound = self._bound_routers_cache is None
        routers = super()._get_bound_routers()
        if bound:  # once, when ninja has put the operations together
            for router in routers:
                for path_view in router.path_operations.values():
                    for operation in path_view.operations:
                        refuse_unknown_query_parameters(operation)
        return routers

    def get_openapi_schema(self, **kwargs):
        schema = super().get_openapi_schema(**kwargs)
        for path in schema["paths"].values():
            for method, operation in path.items():
                describe_conventions(method, operation, idempotency=self.idempotency)
        drop_unused_schemas(schema)
        return schema


def query_parameter_names(operation):
    """The query parameters the operation declares: in its signature (its filters, its
    page), or described by hand in its `openapi_extra`."""
    names = {parameter["name"]
             for parameter in (operation.openapi_extra or {}).get("parameters", [])
             if parameter.get("in") == "query"}
    for model in operation.models:
        if model.__ninja_param_source__ != "query":
            continue
        flatten_map = getattr(model, "__ninja_flatten_map__", None)
        if flatten_map:
            names |= set(flatten_map)
        else:
            names |= {field.alias or name for name, field in model.model_fields.items()}
    return names


def refuse_unknown_query_parameters(operation):
    """A parameter the operation does not take answers 422 rather than being ignored
    (`devices?site_id=…` would otherwise answer every device), with the other errors of
    the request in the same answer."""
    known = query_parameter_names(operation)
    get_values = operation._get_values

    def checked(request, path_params, temporal_response):
        unknown = [{"type": problems.UNKNOWN_PARAMETER, "loc": ("query", name),
                    "ctx": {"known": sorted(known)}, "msg": "Unknown parameter"}
                   for name in sorted(set(request.GET) - known)]
        try:
            values = get_values(request, path_params, temporal_response)
        except RequestValidationError as error:
            others = other_fields_errors(operation, get_values, error.errors, request,
                                         path_params, temporal_response)
            raise RequestValidationError([*error.errors, *others, *unknown]) from error
        if unknown:
            raise RequestValidationError(unknown)
        return values

    operation._get_values = checked


def other_fields_errors(operation, get_values, errors, request, path_params,
                        temporal_response):
    """The operation's own errors about the fields a JSON body does send, when the body
    lacks fields: the operation is run with each missing field empty, in a transaction
    that is always rolled back, and its field errors are added to the missing ones. A
    caller so learns every fault of the request at once, in the operation's own words."""
    missing = {error["loc"][2] for error in errors
               if error.get("type") == "missing" and error["loc"][0] == "body"
               and len(error["loc"]) == 3}
    if not missing or len(missing) != len(errors) or request.content_type != "application/json":
        return []
    try:
        body = json.loads(request.body)
    except ValueError:
        return []
    if not isinstance(body, dict):
        return []
    sent = request._body
    request._body = json.dumps({**body, **dict.fromkeys(missing, "")}).encode()
    try:
        with transaction.atomic():
            transaction.set_rollback(True)
            operation.view_func(request, **get_values(request, path_params, temporal_response))
    except DjangoValidationError as refused:
        if not hasattr(refused, "error_dict"):
            return []
        return [{"type": problems.OPERATION_MESSAGE, "loc": ("body", "payload", field),
                 "msg": str(message)}
                for field, messages in refused.message_dict.items() if field not in missing
                for message in messages]
    except Exception:  # noqa: BLE001 (any other outcome: the missing fields say enough)
        return []
    finally:
        request._body = sent
    return []


def _header(description, schema=None, required=False):
    return {"description": description, "required": required,
            "schema": schema or {"type": "string"}}


def describe_conventions(method, operation, idempotency):
    """Adds what the API does for every operation to its description."""
    responses = operation.get("responses", {})
    for status, response in responses.items():
        # Errors are served as problem details, whatever ninja assumes.
        if int(status) >= 400 and "content" in response:
            _media_type, content = response["content"].popitem()
            response["content"] = {problems.CONTENT_TYPE: content}
        headers = response.setdefault("headers", {})
        if operation.get("security"):
            for name, description in RATE_LIMIT_HEADERS.items():
                headers[name] = _header(description, {"type": "integer", "minimum": 0})
        if int(status) == 429:
            headers["Retry-After"] = _header("Seconds to wait before sending again.",
                                             {"type": "integer", "minimum": 1}, required=True)
        if idempotency and method == "post" and 200 <= int(status) < 300:
            headers[REPLAYED_HEADER] = _header(
                "`true` when this is the stored answer to an earlier request with the same "
                "Idempotency-Key.", {"type": "string", "enum": ["true"]})
        if not headers:
            del response["headers"]
    if idempotency and method == "post":
        operation.setdefault("parameters", []).append({
            "in": "header", "name": IDEMPOTENCY_HEADER, "required": True,
            "description": "A new unique key per request (a UUID). Sent again with the same "
                           "key, the request answers the first response and changes nothing. "
                           "Integrations must send it; a request without it is still served "
                           "(the portal's own pages send none).",
            "schema": {"type": "string", "minLength": 1, "maxLength": IDEMPOTENCY_MAX_LENGTH,
                       "pattern": r"^\S+$"},
        })


def drop_unused_schemas(schema):
    """Removes the component schemas no operation refers to, even through another schema
    (ninja keeps the models of flattened query parameters)."""
    components = schema.get("components", {}).get("schemas")
    if not components:
        return
    prefix = "#/components/schemas/"
    used, pending = set(), [json.dumps(schema["paths"])]
    while pending:
        text = pending.pop()
        for name in components:
            if name not in used and f'"{prefix}{name}"' in text:
                used.add(name)
                pending.append(json.dumps(components[name]))
    for name in set(components) - used:
        del components[name]
