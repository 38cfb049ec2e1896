from allauth.account.models import EmailAddress
from allauth.account.utils import user_pk_to_url_str
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from portal.tenants.branding import current_brand, on_console
from portal.tenants.emails import render_branded_email
from portal.tenants.tasks import enqueue_on_commit

from .models import Role, User


def _urlconf():
    return "portal.urls_public" if on_console() else "portal.urls_tenant"


def invitation_url(user):
    path = reverse(
        "accept_invitation",
        kwargs={"uidb36": user_pk_to_url_str(user),
                "key": default_token_generator.make_token(user)},
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
    """Queues the invitation e-mail; the task stamps when it actually went out."""
    from .tasks import send_invitation as send_invitation_task

    enqueue_on_commit(send_invitation_task, user.pk, invited_by.pk if invited_by else None)


def deliver_invitation(user, invited_by=None):
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
