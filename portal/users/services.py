from __future__ import annotations

import hashlib
import secrets
import string
import uuid
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from allauth.account.models import EmailAddress
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.outbox.services import enqueue_on_commit
from portal.prepared import PreparedRows
from portal.tenants.branding import current_brand, on_console
from portal.tenants.emails import render_branded_email

from .models import READ, WRITE, ApiToken, Role, ServiceToken, User, scope_choices

# A customer is a contracts.Customer: a higher layer, so this one cannot name its type.
CustomerAccount = Any


def _urlconf() -> str:
    return "portal.urls_public" if on_console() else "portal.urls_tenant"


def invitation_url(user: User) -> str:
    path = reverse(
        "accept_invitation",
        kwargs={"uidb36": user_pk_to_url_str(user),
                "key": default_token_generator.make_token(user)},
        urlconf=_urlconf(),
    )
    return current_brand().absolute_url(path)


@transaction.atomic
def invite_user(*, email: str, role: str, first_name: str = "", last_name: str = "",
                customer: CustomerAccount | None = None, invited_by: User | None = None,
                language: str = "") -> User:
    """Creates an account without a password and e-mails its owner a link to choose one."""
    user = User(
        email=email.strip().lower(),
        first_name=first_name,
        last_name=last_name,
        role=role,
        customer=customer,
        language=language,
        invited_at=timezone.now(),
    )
    user.set_unusable_password()
    user.full_clean()
    user.save()
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
    send_invitation(user, invited_by=invited_by)
    return user


def send_invitation(user: User, invited_by: User | None = None) -> None:
    """Queues the invitation e-mail; the task stamps when it actually went out."""
    # tasks.py imports this module: a cycle at start-up.
    from .tasks import send_invitation as send_invitation_task

    enqueue_on_commit(send_invitation_task, user.pk, invited_by.pk if invited_by else None)


def deliver_invitation(user: User, invited_by: User | None = None) -> None:
    message = render_branded_email(
        "users/email/invitation",
        {"user": user, "invited_by": invited_by, "accept_url": invitation_url(user),
         # lazy: rendered in the recipient's language
         "role": Role(user.role).label},
        user.email,
        user=user,
    )
    message.send()
    User.objects.filter(pk=user.pk).update(invitation_sent_at=timezone.now())


def accept_invitation(user: User, password: str, first_name: str = "",
                      last_name: str = "") -> User:
    user.set_password(password)
    if first_name:
        user.first_name = first_name
    if last_name:
        user.last_name = last_name
    user.save()
    return user


def change_role(user: User, *, role: str, customer: CustomerAccount | None = None,
                is_active: bool = True) -> User:
    user.role = role
    user.customer = customer
    user.is_active = is_active
    user.full_clean()
    user.save()
    return user


# --- Personal API tokens ------------------------------------------------------------------

# Recognisable by secret scanners; the rest is 40 random letters and digits (~238 bits).
TOKEN_MARK = "ppe_"
TOKEN_ALPHABET = string.ascii_letters + string.digits
TOKEN_LENGTH = 40
PREFIX_LENGTH = len(TOKEN_MARK) + 8
# last_used_at is written at most this often: a busy token would otherwise write on
# every request.
LAST_USED_PRECISION = timedelta(minutes=1)


def hash_api_secret(secret: str) -> str:
    # The secret is long and random: a plain SHA-256 cannot be reversed or guessed, and
    # lets a request find its token with one indexed lookup.
    return hashlib.sha256(secret.encode()).hexdigest()


def api_token_lifetimes() -> list[int]:
    """The lifetimes offered (days), up to API_TOKEN_MAX_DAYS."""
    longest = settings.API_TOKEN_MAX_DAYS
    return sorted({days for days in (7, 30, 90, 180, 365) if days <= longest} | {longest})


def create_api_token(user: User, *, name: str, scope: str, days: int,
                     now: datetime | None = None) -> tuple[ApiToken, str]:
    """A new token and its secret; the secret is never stored and cannot be shown again."""
    now = now or timezone.now()
    errors = {}
    if not (name or "").strip():
        errors["name"] = _("Give the token a name.")
    if scope not in ApiToken.Scope.values:
        errors["scope"] = _("Choose read only, or read and write.")
    elif on_console() and scope != ApiToken.Scope.READ:
        errors["scope"] = _("Console tokens are read only.")
    if not isinstance(days, int) or not 1 <= days <= settings.API_TOKEN_MAX_DAYS:
        errors["days"] = _("A token expires after %(max)d days at most.") % {
            "max": settings.API_TOKEN_MAX_DAYS}
    if errors:
        raise ValidationError(errors)
    secret = TOKEN_MARK + "".join(secrets.choice(TOKEN_ALPHABET) for _ in range(TOKEN_LENGTH))
    token = ApiToken.objects.create(
        user=user, name=name.strip(), scope=scope, prefix=secret[:PREFIX_LENGTH],
        secret_hash=hash_api_secret(secret), expires_at=now + timedelta(days=days))
    return token, secret


def revoke_api_token(token: ApiToken, now: datetime | None = None) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = now or timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def _token_by_secret(model: Any, secret: str) -> Any:
    """The token of `model` (ApiToken or ServiceToken) with this secret, its user loaded,
    or None. Every API request looks its token up: compiled once per thread
    (portal/prepared.py)."""
    return PreparedRows(
        f"users.{model._meta.model_name}_by_hash", model,
        lambda secret_hash: model.objects.select_related("user").filter(
            secret_hash=secret_hash), {"secret_hash": model._meta.get_field("secret_hash")},
        {"secret_hash": hash_api_secret(secret)}).first()


def api_token_for(secret: str | None, now: datetime | None = None) -> ApiToken | None:
    """The active token with this secret, its user loaded, or None: unknown, expired,
    revoked, or its user deactivated. Notes when it was last used."""
    if not secret or not secret.startswith(TOKEN_MARK):
        return None
    now = now or timezone.now()
    token: ApiToken | None = _token_by_secret(ApiToken, secret)
    if token is None or token.state_at(now) != ApiToken.State.ACTIVE \
            or not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


# --- Integration tokens (the partner's, not a person's) -----------------------------------

SERVICE_TOKEN_MARK = "ppi_"
# Service accounts' addresses: the .invalid domain can never receive mail (RFC 2606).
SERVICE_ACCOUNT_DOMAIN = "integration.invalid"


def _secret(mark: str) -> str:
    return mark + "".join(secrets.choice(TOKEN_ALPHABET) for _ in range(TOKEN_LENGTH))


def normalise_scopes(scopes: Iterable[str] | None) -> list[str]:
    """Known scopes only, in the grid's order; writing a resource implies reading it."""
    wanted = set(scopes or ())
    for scope in list(wanted):
        resource, _sep, level = scope.partition(":")
        if level == WRITE:
            wanted.add(f"{resource}:{READ}")
    return [value for value, _label in scope_choices() if value in wanted]


def _validate_service_token(name: str, scopes: list[str], expires_on: date | None,
                            today: date) -> None:
    errors = {}
    if not (name or "").strip():
        errors["name"] = _("Give the token a name.")
    if not scopes:
        errors["scopes"] = _("Choose at least one scope.")
    if expires_on is not None and expires_on < today:
        errors["expires_on"] = _("Choose a date from today on.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def create_service_token(created_by: User, *, name: str, scopes: list[str],
                         customer: CustomerAccount | None = None,
                         expires_on: date | None = None,
                         now: datetime | None = None) -> tuple[ServiceToken, str]:
    """A partner's integration token, its service account and its secret; the secret is
    never stored and cannot be shown again."""
    now = now or timezone.now()
    scopes = normalise_scopes(scopes)
    _validate_service_token(name, scopes, expires_on, timezone.localdate(now))
    name = name.strip()
    account = User(
        email=f"{uuid.uuid4().hex}@{SERVICE_ACCOUNT_DOMAIN}", first_name=name[:150],
        role=Role.CUSTOMER_USER if customer is not None else Role.PARTNER_ADMIN,
        customer=customer, is_service_account=True)
    account.set_unusable_password()
    account.full_clean()
    account.save()
    secret = _secret(SERVICE_TOKEN_MARK)
    token = ServiceToken.objects.create(
        user=account, name=name, scopes=scopes, prefix=secret[:PREFIX_LENGTH],
        secret_hash=hash_api_secret(secret), created_by=created_by, expires_on=expires_on)
    return token, secret


def change_service_token_scopes(token: ServiceToken, scopes: list[str]) -> ServiceToken:
    scopes = normalise_scopes(scopes)
    if not scopes:
        raise ValidationError({"scopes": _("Choose at least one scope.")})
    if scopes != token.scopes:
        token.scopes = scopes
        token.save(update_fields=["scopes"])
    return token


@transaction.atomic
def revoke_service_token(token: ServiceToken, now: datetime | None = None) -> ServiceToken:
    if token.revoked_at is None:
        token.revoked_at = now or timezone.now()
        token.save(update_fields=["revoked_at"])
        # The service account acts for this token only: it goes with it.
        User.all_objects.filter(pk=token.user_id).update(is_active=False)
    return token


def service_token_for(secret: str | None, now: datetime | None = None) -> ServiceToken | None:
    """The active integration token with this secret, its service account loaded, or None:
    unknown, expired or revoked. Notes when it was last used (at most once a minute); its
    first use goes into the token's history."""
    if not secret or not secret.startswith(SERVICE_TOKEN_MARK):
        return None
    now = now or timezone.now()
    token: ServiceToken | None = _token_by_secret(ServiceToken, secret)
    if token is None or token.state_at(now) != ServiceToken.State.ACTIVE \
            or not token.user.is_active:
        return None
    if token.last_used_at is None:
        token.last_used_at = now
        token._history_user = token.user  # type: ignore[attr-defined]
        token.save(update_fields=["last_used_at"])
    elif now - token.last_used_at >= LAST_USED_PRECISION:
        ServiceToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def service_token_audit(tokens: Iterable[ServiceToken]) -> list:
    """The tokens' log, newest first: created, first used, scopes changed, revoked."""
    # The history reader of every page; imported here, as it belongs to a layer above.
    from portal.audit import audit_entries

    labels = dict(scope_choices())
    revoked, scopes, last_used = (str(field.verbose_name) for field in (
        ServiceToken.revoked_at.field, ServiceToken.scopes.field,
        ServiceToken.last_used_at.field))
    names = {token.pk: token.name for token in tokens}
    entries = audit_entries(ServiceToken.history.filter(id__in=list(names)),
                            lambda record: names.get(record.id, record.name))
    for entry in entries:
        changes = {str(label): (label, old, new) for label, old, new in entry.changes}
        if revoked in changes:
            entry.action, entry.changes = _("revoked"), []
        elif scopes in changes:
            label, old, new = changes[scopes]
            entry.action = _("scopes changed")
            entry.changes = [(label, ", ".join(labels.get(s, s) for s in old or ()),
                              ", ".join(labels.get(s, s) for s in new or ()))]
        elif last_used in changes and changes[last_used][1] is None:
            entry.action, entry.changes = _("used for the first time"), []
    return list(reversed(entries))
