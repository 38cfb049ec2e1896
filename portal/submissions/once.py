"""One object per intent: every creating form of the pages carries a one-time token.

The token is a hidden field (`OneTimeTokenForm`) issued when the form is rendered; a form
shown again after a validation error keeps its own. The view, wrapped in `@sent_once`,
claims the token by inserting its row in the transaction that creates the object, and
names what it created with `created(request, obj)`. The same token sent again (a double
click, a reload that posts again, a retry after a slow answer) creates nothing: the answer
is a redirect to what the first submission created, with a message. Two submissions at once
meet on the unique index: the second waits until the first has committed, then redirects.

A missing or unknown token is a fresh intent (a page rendered before a deploy, a tool
posting without it): tokens never refuse a legitimate post. A token is looked up for the
signed-in user only, in the current schema, so another user's or another partner's token
is never answered with their object.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps
from typing import Any

from django import forms
from django.apps import apps
from django.conf import settings
from django.contrib import messages
from django.db import IntegrityError, models, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import FormSubmission

FIELD = "form_token"
# secrets.token_urlsafe(32) gives 43 characters; anything longer is not one of ours.
MAX_LENGTH = 64
_CREATED = "_sent_once_created"


def new_token() -> str:
    return secrets.token_urlsafe(32)


class OneTimeTokenForm(forms.Form):
    """Adds the hidden one-time token to a creating form (put it first among the bases).
    Unbound, each rendering issues a new token; bound, the form renders the token it was
    sent with, so a form shown again with its errors is still the same intent."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields[FIELD] = forms.CharField(widget=forms.HiddenInput, required=False,
                                             initial=new_token)

    def full_clean(self) -> None:
        super().full_clean()
        # The token is the view's business (`sent_once`), not the data the form hands on.
        if hasattr(self, "cleaned_data"):
            self.cleaned_data.pop(FIELD, None)


def token_of(request: HttpRequest) -> str | None:
    if request.method != "POST" or not request.user.is_authenticated:
        return None
    token = request.POST.get(FIELD, "").strip()
    return token if 0 < len(token) <= MAX_LENGTH else None


def created(request: HttpRequest, obj: models.Model | None = None,
            url: str | None = None) -> None:
    """Tells `@sent_once` that this submission created `obj`, shown at `url` (by default
    where the view's answer redirects)."""
    setattr(request, _CREATED, (obj, url))


def claim(user: Any, token: str, path: str,
          now: datetime | None = None) -> tuple[FormSubmission | None, FormSubmission | None]:
    """(the new row, None) for a fresh token; (None, the earlier submission) for a token
    already sent; (None, None) when it cannot be claimed (then the form just runs)."""
    now = now or timezone.now()
    for _attempt in range(2):
        try:
            with transaction.atomic():
                return FormSubmission.objects.create(user=user, token=token,
                                                     path=path[:500]), None
        except IntegrityError:
            # The row is there: committed by an earlier submission, or by one that ran at
            # the same time and that this insert waited for.
            earlier = FormSubmission.objects.filter(user=user, token=token).first()
        if earlier is None:
            continue  # released meanwhile: that submission created nothing
        if earlier.created_at < now - keep() or not earlier.object_url:
            earlier.delete()  # forgotten: the token is free again
            continue
        return None, earlier
    return None, None


def keep() -> timedelta:
    return timedelta(hours=settings.FORM_TOKEN_HOURS)


def noun(submission: FormSubmission) -> str:
    try:
        return str(apps.get_model(submission.object_type)._meta.verbose_name)
    except (LookupError, ValueError):
        return submission.object_type


def already_sent(request: HttpRequest, earlier: FormSubmission) -> HttpResponse:
    if earlier.object_type:
        message = _("This form was already sent: here is the %(object)s it created.") % {
            "object": noun(earlier)}
    else:
        message = _("This form was already sent: here is what it recorded.")
    messages.info(request, message)
    return HttpResponseRedirect(earlier.object_url)


def _record(submission: FormSubmission, request: HttpRequest, response: HttpResponse,
            made: tuple[models.Model | None, str | None]) -> None:
    obj, url = made
    if url is None:
        url = response["Location"] if isinstance(response, HttpResponseRedirect) \
            else request.get_full_path()
    submission.object_url = url[:500]
    if obj is not None:
        submission.object_type = obj._meta.label_lower
        submission.object_id = str(obj.pk)
    submission.save(update_fields=["object_url", "object_type", "object_id"])


def sent_once(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Wraps a view whose form creates something (see the module's docstring). The view
    runs in the transaction that claims the token; when it does not call `created`, the
    token is released: nothing was created, so sending it again runs it again."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        token = token_of(request)
        if token is None:
            return view(request, *args, **kwargs)
        with transaction.atomic():
            submission, earlier = claim(request.user, token, request.path)
            if earlier is not None:
                return already_sent(request, earlier)
            response = view(request, *args, **kwargs)
            made = getattr(request, _CREATED, None)
            if submission is not None:
                if made is None:
                    submission.delete()
                else:
                    _record(submission, request, response, made)
        return response

    return wrapper


def purge(now: datetime | None = None) -> int:
    """Forgets the tokens older than FORM_TOKEN_HOURS (in the current schema)."""
    return FormSubmission.objects.filter(
        created_at__lt=(now or timezone.now()) - keep()).delete()[0]
