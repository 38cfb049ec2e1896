from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation.trans_real import parse_accept_lang_header

from .branding import current_brand

SUPPORTED = {code for code, _ in settings.LANGUAGES}
API_PREFIX = "/api/"


def requested_language(request):
    """The first supported language of the Accept-Language header, or None."""
    for code, _quality in parse_accept_lang_header(request.headers.get("Accept-Language", "")):
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            continue
    return None


def is_api(request):
    return request.path.startswith(API_PREFIX)


class LanguageMiddleware:
    """Chooses the language: the user's preference, then the switcher's cookie, then the
    partner's default. The browser's own preference is not consulted: a partner that
    sells in French wants its portal in French. The API is the exception: a tool says
    which language it wants with Accept-Language, and that comes first."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = self.language_for(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        if is_api(request):
            patch_vary_headers(response, ("Accept-Language", "Authorization"))
            # A token's user is known only once the API has authenticated it.
            language = translation.get_language()
        response.headers.setdefault("Content-Language", language)
        return response

    @staticmethod
    def language_for(request):
        if is_api(request):
            asked = requested_language(request)
            if asked:
                return asked
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language in SUPPORTED:
            return user.language
        cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if cookie in SUPPORTED:
            return cookie
        default = current_brand().default_language
        return default if default in SUPPORTED else settings.LANGUAGE_CODE
