from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from portal.submissions.once import OneTimeTokenForm
from portal.tenants.branding import on_console

from .models import PARTNER_ROLES, VENDOR_ROLES, ApiToken, Resource, Role, User, scope_choices
from .services import api_token_lifetimes


def assignable_roles():
    """Vendor roles on the console, partner roles on a partner portal."""
    allowed = VENDOR_ROLES if on_console() else PARTNER_ROLES
    return [(value, label) for value, label in Role.choices if value in allowed]


class RoleFieldsMixin:
    def setup_role_fields(self):
        self.fields["role"].choices = assignable_roles()
        if on_console():
            del self.fields["customer"]
        else:
            # The accounts of the partner's customers, named by the user's own foreign key.
            customers = User._meta.get_field("customer").related_model
            self.fields["customer"].queryset = customers.objects.all()
            self.fields["customer"].required = False

    def clean(self):
        cleaned = super().clean()
        role = cleaned.get("role")
        customer = cleaned.get("customer")
        if "customer" in self.fields:
            if role == Role.CUSTOMER_USER and not customer:
                self.add_error("customer", _("Choose the customer account this user belongs to."))
            elif role != Role.CUSTOMER_USER:
                cleaned["customer"] = None
        return cleaned


class InviteUserForm(RoleFieldsMixin, OneTimeTokenForm):
    email = forms.EmailField(label=_("E-mail"))
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    role = forms.ChoiceField(label=_("Role"))
    customer = forms.ModelChoiceField(label=_("Customer account"), queryset=None)
    language = forms.ChoiceField(
        label=_("Language"), required=False,
        choices=[("", _("Portal default")), ("en", _("English")), ("fr", _("French"))],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_role_fields()

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(_("A user with this e-mail address already exists."))
        return email


class EditUserForm(RoleFieldsMixin, forms.ModelForm):
    class Meta:
        model = User
        fields = ["first_name", "last_name", "role", "customer", "is_active"]
        labels = {"is_active": _("Active (may log in)")}

    def __init__(self, *args, editor=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"] = forms.ChoiceField(label=_("Role"))
        self.setup_role_fields()
        self.editor = editor

    def clean(self):
        cleaned = super().clean()
        if self.editor is not None and self.instance.pk == self.editor.pk:
            if cleaned.get("role") != self.editor.role or not cleaned.get("is_active"):
                raise forms.ValidationError(
                    _("You cannot change your own role or deactivate yourself.")
                )
        return cleaned


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["first_name", "last_name", "language"]


class AcceptInvitationForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    password1 = forms.CharField(label=_("Password"), widget=forms.PasswordInput(
        attrs={"autocomplete": "new-password"}), strip=False)
    password2 = forms.CharField(label=_("Password (again)"), widget=forms.PasswordInput(
        attrs={"autocomplete": "new-password"}), strip=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["password1"].help_text = (
            password_validation.password_validators_help_text_html()
        )

    def clean(self):
        cleaned = super().clean()
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("The two passwords differ."))
        elif password1:
            self.user.first_name = cleaned.get("first_name", "")
            self.user.last_name = cleaned.get("last_name", "")
            try:
                password_validation.validate_password(password1, self.user)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class ApiTokenForm(OneTimeTokenForm):
    name = forms.CharField(label=_("Name"), max_length=100,
                           help_text=_("What the token is for, e.g. “PSA ticket sync”."))
    scope = forms.ChoiceField(label=_("Access"), widget=forms.RadioSelect, initial="read",
                              choices=())
    days = forms.TypedChoiceField(label=_("Expires after"), coerce=int, initial=90,
                                  choices=())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Console tokens are for a CSM's own tools: read only.
        self.fields["scope"].choices = (ApiToken.Scope.choices[:1] if on_console()
                                        else ApiToken.Scope.choices)
        self.fields["days"].choices = [
            (days, ngettext("%(days)d day", "%(days)d days", days) % {"days": days})
            for days in api_token_lifetimes()]


class ServiceTokenScopesForm(forms.Form):
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"), widget=forms.CheckboxSelectMultiple, choices=(),
        help_text=_("Per resource: read for GET requests, write for any change (writing "
                    "includes reading)."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scopes"].choices = scope_choices()

    def scope_rows(self):
        """(resource, read checkbox, write checkbox) per resource: the scopes' grid."""
        boxes = iter(self["scopes"].subwidgets)  # read then write, resource by resource
        return [(label, next(boxes), next(boxes)) for _value, label in Resource.choices]


class ServiceTokenForm(OneTimeTokenForm, ServiceTokenScopesForm):
    name = forms.CharField(label=_("Name"), max_length=100,
                           help_text=_("What the integration is, e.g. “PSA ticket sync”."))
    customer = forms.ModelChoiceField(
        label=_("Only this customer"), queryset=None, required=False,
        help_text=_("Leave empty for all customers. Restricted, the token sees and acts on "
                    "this customer's objects only, as its customer users would."))
    expires_on = forms.DateField(label=_("Expires on"), required=False,
                                 widget=forms.DateInput(attrs={"type": "date"}),
                                 help_text=_("The last day the token works; empty: no "
                                             "expiry."))
    field_order = ["name", "scopes", "customer", "expires_on"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        customers = User._meta.get_field("customer").related_model
        self.fields["customer"].queryset = customers.objects.all()
        self.order_fields(self.field_order)
