from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from allauth.account.models import EmailAddress
from allauth.account.utils import user_pk_to_url_str
from portal.tenants.branding import current_brand, on_console
from portal.tenants.emails import queue_email, render_branded_email

from .models import User


def _urlconf():
    return "portal.urls_public" if on_console() else "portal.urls_tenant"


def invitation_url(user):
    path = reverse(
        "accept_invitation",
        kwargs={"uidb36": user_pk_to_url_str(user), "key": default_token_generator.make_token(user)},
        urlconf=_urlconf(),
    )
    return current_brand().absolute_url(path)


@transaction.atomic
def invite_user(*, email, role, first_name="", last_name="", customer=None, invited_by=None,
                language=""):
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


def send_invitation(user, invited_by=None):
    User.objects.filter(pk=user.pk).update(invited_at=timezone.now())
    message = render_branded_email(
        "users/email/invitation",
        {"user": user, "invited_by": invited_by, "accept_url": invitation_url(user),
         "role": user.get_role_display()},
        user.email,
        user=user,
    )
    queue_email(message)


def accept_invitation(user, password, first_name="", last_name=""):
    user.set_password(password)
    if first_name:
        user.first_name = first_name
    if last_name:
        user.last_name = last_name
    user.save()
    return user


def change_role(user, *, role, customer=None, is_active=True):
    user.role = role
    user.customer = customer
    user.is_active = is_active
    user.full_clean()
    user.save()
    return user
