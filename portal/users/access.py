"""The one place that decides who may open a view.

Every view of the portal and the console is wrapped in `role_required` (or marked
`anonymous_allowed`); a test walks all URL patterns and fails on any view that is neither.
The JSON API's operations ask the same question through `has_role` (see
portal.api.auth.require_role). A refusal answers 404 so that nobody learns what exists
beyond their reach.
"""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import Http404

from portal.tenants.branding import on_console

from .models import PARTNER_ROLES, VENDOR_ROLES, Role


def _role_fits_schema(role):
    # Defence in depth: a vendor role means nothing on a partner portal and vice versa.
    return role in VENDOR_ROLES if on_console() else role in PARTNER_ROLES


def has_role(user, roles):
    """True when `user` may act in one of `roles` on the portal being served (pages and API)."""
    return user.is_active and user.role in roles and _role_fits_schema(user.role)


def role_required(*roles):
    allowed = frozenset(Role(role) for role in roles)

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not has_role(user, allowed):
                raise Http404
            return view(request, *args, **kwargs)

        wrapper.allowed_roles = allowed
        return wrapper

    return decorator


def anonymous_allowed(view):
    """Marks a view that anyone may open (login page assets, invitations)."""
    view.allowed_roles = None
    return view


PARTNER_STAFF = (Role.PARTNER_ADMIN, Role.PARTNER_AGENT)
PARTNER_ADMIN = (Role.PARTNER_ADMIN,)
EVERYONE_OF_PARTNER = (Role.PARTNER_ADMIN, Role.PARTNER_AGENT, Role.CUSTOMER_USER)
VENDOR_STAFF = (Role.VENDOR_ADMIN, Role.CSM, Role.SUPPORT_ENGINEER)
VENDOR_ADMIN = (Role.VENDOR_ADMIN,)
