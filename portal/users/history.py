def local_history_user(instance=None, request=None, **kwargs):
    """The acting user for a partner schema's history, or None for vendor staff.

    Vendor staff live in the public schema; their id would name a different person (or
    nobody) in the partner's users table. An integration's service account is a user of
    the partner's schema: its changes are recorded as its own.
    """
    # models.py uses this function for its own history: imported late.
    from .models import PARTNER_ROLES

    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.role in PARTNER_ROLES:
        return user
    return None
