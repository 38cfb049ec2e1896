from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_vary_headers

from .branding import current_brand

SUPPORTED = {code for code, _ in settings.LANGUAGES}


class LanguageMiddleware:
    """Chooses the language: the user's preference, then the switcher's cookie, then the
    partner's default. The browser's own preference is not consulted: a partner that
    sells in French wants its portal in French."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = self.language_for(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", language)
        return response

    @staticmethod
    def language_for(request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language in SUPPORTED:
            return user.language
        cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if cookie in SUPPORTED:
            return cookie
        default = current_brand().default_language
        return default if default in SUPPORTED else settings.LANGUAGE_CODE
