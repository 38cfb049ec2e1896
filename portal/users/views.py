from allauth.account.utils import url_str_to_user_pk
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from portal.errors import add_to_form
from portal.submissions.once import created, sent_once
from portal.tenants.branding import on_console

from . import services
from .access import (
    EVERYONE_OF_PARTNER,
    PARTNER_ADMIN,
    VENDOR_ADMIN,
    VENDOR_STAFF,
    anonymous_allowed,
    role_required,
)
from .forms import (
    AcceptInvitationForm,
    ApiTokenForm,
    EditUserForm,
    InviteUserForm,
    ProfileForm,
    ServiceTokenForm,
    ServiceTokenScopesForm,
)
from .models import ApiToken, Role, ServiceToken, User

USER_ADMINS = PARTNER_ADMIN + VENDOR_ADMIN
# Personal tokens: partner users for the partners' API, CSMs for the console's (read only).
TOKEN_HOLDERS = (*EVERYONE_OF_PARTNER, Role.CSM)


@role_required(*EVERYONE_OF_PARTNER, *VENDOR_STAFF)
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        response = redirect("profile")
        if user.language:
            response.set_cookie(settings.LANGUAGE_COOKIE_NAME, user.language, samesite="Lax")
        messages.success(request, _("Your profile has been saved."))
        return response
    return render(request, "users/profile.html", {"form": form})


@anonymous_allowed
@require_POST
def set_language(request):
    language = request.POST.get("language", "")
    if language not in dict(settings.LANGUAGES):
        raise Http404
    if request.user.is_authenticated:
        User.objects.filter(pk=request.user.pk).update(language=language)
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = "/"
    response = redirect(target)
    response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, max_age=365 * 24 * 3600,
                        samesite="Lax", secure=request.is_secure())
    return response


@role_required(*USER_ADMINS)
def user_list(request):
    query = request.GET.get("q", "").strip()
    users = User.objects.all() if on_console() else User.objects.select_related("customer")
    if query:
        users = users.filter(
            Q(email__icontains=query) | Q(first_name__icontains=query)
            | Q(last_name__icontains=query)
        )
    role = request.GET.get("role", "")
    if role:
        users = users.filter(role=role)
    return render(request, "users/user_list.html", {
        "users": users, "query": query, "role": role,
        "roles": InviteUserForm().fields["role"].choices,
    })


@role_required(*USER_ADMINS)
@sent_once
def user_invite(request):
    form = InviteUserForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        user = services.invite_user(
            email=data["email"], role=data["role"], first_name=data["first_name"],
            last_name=data["last_name"], customer=data.get("customer"),
            language=data.get("language", ""), invited_by=request.user,
        )
        created(request, user, url=reverse("user_edit", args=[user.pk]))
        messages.success(request, _("An invitation has been sent to %(email)s.") % {
            "email": user.email})
        return redirect("user_list")
    return render(request, "users/user_invite.html", {"form": form})


@role_required(*USER_ADMINS)
def user_edit(request, pk):
    user = get_object_or_404(User, pk=pk)
    form = EditUserForm(request.POST or None, instance=user, editor=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        user.first_name, user.last_name = data["first_name"], data["last_name"]
        services.change_role(user, role=data["role"], customer=data.get("customer"),
                             is_active=data["is_active"])
        messages.success(request, _("%(user)s has been updated.") % {"user": user.display_name})
        return redirect("user_list")
    return render(request, "users/user_edit.html", {"form": form, "subject": user})


@role_required(*USER_ADMINS)
@require_POST
def user_resend_invitation(request, pk):
    user = get_object_or_404(User, pk=pk)
    if user.has_accepted_invitation:
        messages.info(request, _("%(user)s has already accepted the invitation.") % {
            "user": user.display_name})
    else:
        services.send_invitation(user, invited_by=request.user)
        messages.success(request, _("The invitation has been sent again to %(email)s.") % {
            "email": user.email})
    return redirect("user_list")


@anonymous_allowed
def accept_invitation(request, uidb36, key):
    try:
        user = User.objects.get(pk=url_str_to_user_pk(uidb36), is_active=True)
    except (User.DoesNotExist, ValueError, TypeError, OverflowError):
        user = None
    if user is None or user.has_usable_password() or not default_token_generator.check_token(
        user, key
    ):
        return render(request, "users/invitation_invalid.html", status=404)
    form = AcceptInvitationForm(
        request.POST or None, user=user,
        initial={"first_name": user.first_name, "last_name": user.last_name},
    )
    if request.method == "POST" and form.is_valid():
        services.accept_invitation(user, form.cleaned_data["password1"],
                                   form.cleaned_data["first_name"], form.cleaned_data["last_name"])
        login(request, user, backend="allauth.account.auth_backends.AuthenticationBackend")
        messages.success(request, _("Welcome! Your account is ready."))
        return redirect("dashboard")
    return render(request, "users/accept_invitation.html", {"form": form, "invitee": user})


# --- Personal API tokens (partner portals; CSMs on the console) --------------------------

def _api_docs_url():
    return reverse("console-api-v1:openapi-view" if on_console() else "api-v1:openapi-view")


@role_required(*TOKEN_HOLDERS)
def api_token_list(request):
    now = timezone.now()
    tokens = request.user.api_tokens.all()
    return render(request, "users/api_token_list.html", {
        "rows": [(token, token.state_at(now)) for token in tokens],
        "api_docs_url": _api_docs_url(),
    })


@role_required(*TOKEN_HOLDERS)
@never_cache
@sent_once
def api_token_create(request):
    form = ApiTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            token, secret = services.create_api_token(
                request.user, name=data["name"], scope=data["scope"], days=data["days"])
        except ValidationError as error:
            add_to_form(form, error)
        else:
            # Sent again, the form leads to the list: the secret is never shown twice.
            created(request, token, url=reverse("api_token_list"))
            # The only time the secret is ever shown: rendered here, never redirected to.
            return render(request, "users/api_token_created.html",
                          {"token": token, "secret": secret})
    return render(request, "users/api_token_form.html", {"form": form})


@role_required(*TOKEN_HOLDERS)
@require_POST
def api_token_revoke(request, pk):
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    services.revoke_api_token(token)
    messages.success(request, _("The token “%(name)s” is revoked: it no longer opens the "
                                "API.") % {"name": token.name})
    return redirect("api_token_list")


# --- Integration tokens (the partner's, managed by its administrators) -------------------

def _service_token(pk):
    return get_object_or_404(ServiceToken.objects.select_related("user"), pk=pk)


@role_required(*PARTNER_ADMIN)
def service_token_list(request):
    now = timezone.now()
    tokens = list(ServiceToken.objects.select_related("user__customer", "created_by"))
    return render(request, "users/service_token_list.html", {
        "rows": [(token, token.state_at(now)) for token in tokens],
        "history": services.service_token_audit(tokens),
        "api_docs_url": _api_docs_url(),
    })


@role_required(*PARTNER_ADMIN)
@never_cache
@sent_once
def service_token_create(request):
    form = ServiceTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            token, secret = services.create_service_token(
                request.user, name=data["name"], scopes=data["scopes"],
                customer=data["customer"], expires_on=data["expires_on"])
        except ValidationError as error:
            add_to_form(form, error)
        else:
            created(request, token, url=reverse("service_token_list"))
            # The only time the secret is ever shown: rendered here, never redirected to.
            return render(request, "users/service_token_created.html",
                          {"token": token, "secret": secret})
    return render(request, "users/service_token_form.html", {"form": form})


@role_required(*PARTNER_ADMIN)
def service_token_edit(request, pk):
    token = _service_token(pk)
    if token.revoked_at is not None:
        raise Http404
    form = ServiceTokenScopesForm(request.POST or None, initial={"scopes": token.scopes})
    if request.method == "POST" and form.is_valid():
        try:
            services.change_service_token_scopes(token, form.cleaned_data["scopes"])
        except ValidationError as error:
            add_to_form(form, error)
        else:
            messages.success(request, _("The scopes of “%(name)s” are saved.") % {
                "name": token.name})
            return redirect("service_token_list")
    return render(request, "users/service_token_edit.html", {"form": form, "token": token})


@role_required(*PARTNER_ADMIN)
@require_POST
def service_token_revoke(request, pk):
    token = _service_token(pk)
    services.revoke_service_token(token)
    messages.success(request, _("The integration token “%(name)s” is revoked: it no longer "
                                "opens the API.") % {"name": token.name})
    return redirect("service_token_list")
