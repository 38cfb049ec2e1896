"""What a signed-in user or an API token is shown — pages, downloads, exports, API answers —
is never kept by the browser's cache or a proxy: `Cache-Control: private, no-store`, unless
the view chose its own caching (a partner's logo and colours, which anyone may see)."""


class PrivateNoStoreMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not response.has_header("Cache-Control") and is_private(request):
            response["Cache-Control"] = "private, no-store"
        return response


def is_private(request):
    if "Authorization" in request.headers:
        return True
    # Absent when an earlier middleware answered (an unknown host, a static file).
    user = getattr(request, "user", None)
    return user is not None and user.is_authenticated
