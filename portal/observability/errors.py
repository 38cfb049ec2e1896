"""Error reports to Sentry when SENTRY_DSN is set: tagged with the partner and the user's
id, without any e-mail address (the SDK sends no personal data of its own, and what an
exception's message or local variables hold is masked before it leaves)."""

from .logs import EMAIL, EMAIL_MASK, current_partner, current_request


def init(dsn: str, environment: str, traces_sample_rate: float) -> None:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(dsn=dsn, environment=environment or None, send_default_pii=False,
                    traces_sample_rate=traces_sample_rate, before_send=before_send,
                    integrations=[DjangoIntegration(), CeleryIntegration()])


def user_id_of(request) -> int | None:
    user = getattr(request, "user", None)
    try:
        return user.pk if user is not None and user.is_authenticated else None
    except Exception:  # noqa: BLE001 — the database may be what failed
        return None


def before_send(event: dict, hint: dict) -> dict:
    tags = event.setdefault("tags", {})
    partner = current_partner()
    if partner:
        tags["partner"] = partner
    request = current_request.get()
    if request is not None:
        user_id = user_id_of(request)
        if user_id is not None:
            tags["user_id"] = str(user_id)
    event.pop("user", None)
    return masked(event)


def masked(value):
    if isinstance(value, str):
        return EMAIL.sub(EMAIL_MASK, value)
    if isinstance(value, dict):
        return {key: masked(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [masked(item) for item in value]
    return value
