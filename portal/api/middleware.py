"""Under /api/, every answer is JSON: what Django or ninja answer outside the operations
(an unknown path, a trailing slash, a method the path does not take, a body Django cannot
read, an error escaping a view or a middleware) becomes a problem too, and every
authenticated answer carries the RateLimit-* headers of its token's window."""

from portal.tenants.middleware import is_api

from . import problems, ratelimit

JSON_TYPES = ("application/json", problems.CONTENT_TYPE)
# Headers of the original answer a problem keeps.
KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate")


class ApiProblemMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not is_api(request):
            return response
        if response.status_code >= 400 and not _is_json(response):
            response = problems.status_problem(
                request, response.status_code,
                headers={name: response[name] for name in KEPT_HEADERS
                         if response.has_header(name)})
        for name, value in ratelimit.headers(request).items():
            response.headers.setdefault(name, value)
        return response

    def process_exception(self, request, exception):
        # Any other exception: Django logs it and answers, and that answer becomes a problem.
        if is_api(request) and isinstance(exception, problems.UNREADABLE):
            return problems.unreadable_problem(request, exception)
        return None


def _is_json(response):
    content_type = response.get("Content-Type", "").split(";")[0].strip()
    return content_type in JSON_TYPES
