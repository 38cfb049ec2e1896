from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse

from .models import MFA_REQUIRED_ROLES

# Paths a user who still has to enrol a second factor may open.
EXEMPT_PREFIXES = ("/accounts/", "/static/", "/branding/logo", "/language/")


def mfa_enrolment_required(user):
    """True while `user` must enrol a second factor before using the portal or the API.
    An integration's service account never signs in: its secret is its only factor."""
    return (settings.MFA_REQUIRED and user.is_authenticated
            and user.role in MFA_REQUIRED_ROLES and not user.is_service_account
            and not is_mfa_enabled(user))


class MFARequiredMiddleware:
    """Sends vendor staff and partner administrators to TOTP enrolment until they have one."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and not request.path.startswith(EXEMPT_PREFIXES)
            and mfa_enrolment_required(user)
        ):
            return redirect(reverse("mfa_activate_totp") + "?required=1")
        return self.get_response(request)
