from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from .history import local_history_user


class Role(models.TextChoices):
    VENDOR_ADMIN = "vendor_admin", _("Vendor administrator")
    CSM = "csm", _("Customer Success Manager")
    SUPPORT_ENGINEER = "support_engineer", _("Support engineer")
    PARTNER_ADMIN = "partner_admin", _("Partner administrator")
    PARTNER_AGENT = "partner_agent", _("Partner agent")
    CUSTOMER_USER = "customer_user", _("Customer user")


VENDOR_ROLES = frozenset({Role.VENDOR_ADMIN, Role.CSM, Role.SUPPORT_ENGINEER})
PARTNER_STAFF_ROLES = frozenset({Role.PARTNER_ADMIN, Role.PARTNER_AGENT})
PARTNER_ROLES = PARTNER_STAFF_ROLES | {Role.CUSTOMER_USER}
MFA_REQUIRED_ROLES = VENDOR_ROLES | {Role.PARTNER_ADMIN}


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("role", Role.VENDOR_ADMIN)
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class PeopleManager(UserManager):
    """The people: every user but the integrations' service accounts (see ServiceToken).
    The default manager, so that sign-in, user lists, assignees and notification
    recipients never meet a service account; foreign keys still reach one."""

    def get_queryset(self):
        return super().get_queryset().filter(is_service_account=False)


class User(AbstractUser):
    """A person who logs in.

    Vendor staff are rows of the public schema; partner staff and customer users are
    rows of their partner's schema, so an account exists on one portal only.
    """

    class Membership(models.TextChoices):
        """Where the account stands, shown as a badge in the user lists."""

        INVITED = "invited", _("Invited")
        ACTIVE = "active", _("Active")
        DEACTIVATED = "deactivated", _("Deactivated")

    # The badge of each membership state ({% status_badge person person.membership %}).
    STATUS_TONES = {Membership.INVITED: "provisioning", Membership.ACTIVE: "active",
                    Membership.DEACTIVATED: "inactive"}

    username = None
    email = models.EmailField(_("e-mail address"), unique=True)
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    # Customer accounts live in partner schemas only; the public schema's copy of this
    # table never points at one, hence no database constraint across the two.
    customer = models.ForeignKey(
        "contracts.Customer",
        verbose_name=_("customer account"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        db_constraint=False,
    )
    language = models.CharField(
        _("language"),
        max_length=5,
        blank=True,
        choices=[("en", _("English")), ("fr", _("French"))],
        help_text=_("Leave empty to use the portal's default language."),
    )
    invited_at = models.DateTimeField(_("invited"), null=True, blank=True)
    invitation_sent_at = models.DateTimeField(_("invitation sent"), null=True, blank=True)
    # The principal of one integration token: acts in the API, never signs in.
    is_service_account = models.BooleanField(default=False, editable=False)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = PeopleManager()
    all_objects = UserManager()

    class Meta:
        ordering = ["last_name", "first_name", "email"]
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role="customer_user", customer__isnull=False)
                | (~models.Q(role="customer_user") & models.Q(customer__isnull=True)),
                name="customer_user_has_customer",
                violation_error_message=_("A customer user belongs to exactly one customer."),
            )
        ]

    def __str__(self):
        return self.get_full_name() or self.email

    @property
    def display_name(self):
        return self.get_full_name() or self.email

    @property
    def may_hold_api_tokens(self):
        """Personal tokens: partner users, and CSMs for the console's read-only API."""
        return self.role in PARTNER_ROLES or self.role == Role.CSM

    @property
    def history_name(self):
        """Who acted, as change history names them."""
        if self.is_service_account:
            return _("via integration %(name)s") % {"name": self.first_name}
        return self.email

    @property
    def is_vendor_staff(self):
        return self.role in VENDOR_ROLES

    @property
    def is_partner_staff(self):
        return self.role in PARTNER_STAFF_ROLES

    @property
    def is_customer_user(self):
        return self.role == Role.CUSTOMER_USER

    @property
    def is_partner_admin(self):
        return self.role == Role.PARTNER_ADMIN

    @property
    def is_vendor_admin(self):
        return self.role == Role.VENDOR_ADMIN

    @property
    def has_accepted_invitation(self):
        return self.has_usable_password()

    @property
    def membership(self):
        if not self.is_active:
            return self.Membership.DEACTIVATED
        if self.has_accepted_invitation:
            return self.Membership.ACTIVE
        return self.Membership.INVITED


class ApiToken(models.Model):
    """A personal token for the JSON API. It acts as its user, with the user's role, and
    lives in the user's own schema, so no other portal can find it. Only a SHA-256 hash of
    the secret is kept; the secret is shown once, when the token is made."""

    class Scope(models.TextChoices):
        READ = "read", _("Read only")
        WRITE = "write", _("Read and write")

    class State(models.TextChoices):
        # A token is masculine in French ("jeton"), unlike the letters that also expire.
        ACTIVE = "active", pgettext_lazy("API token", "Active")
        EXPIRED = "expired", pgettext_lazy("API token", "Expired")
        REVOKED = "revoked", pgettext_lazy("API token", "Revoked")

    # The badge of each state on a day ({% status_badge token state %}).
    STATUS_TONES = {State.ACTIVE: "active", State.EXPIRED: "inactive",
                    State.REVOKED: "inactive"}

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens",
                             verbose_name=_("user"))
    name = models.CharField(_("name"), max_length=100,
                            help_text=_("What the token is for, e.g. “PSA ticket sync”."))
    scope = models.CharField(_("access"), max_length=5, choices=Scope.choices,
                             default=Scope.READ)
    # The first characters of the secret, enough to recognise a token in a list.
    prefix = models.CharField(_("prefix"), max_length=16)
    secret_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    def state_at(self, now):
        if self.revoked_at is not None:
            return self.State.REVOKED
        if now >= self.expires_at:
            return self.State.EXPIRED
        return self.State.ACTIVE

    @property
    def can_write(self):
        return self.scope == self.Scope.WRITE


class Resource(models.TextChoices):
    """What an integration token's scopes are given on: the API's resources."""

    DEVICES = "devices", _("Devices")
    TICKETS = "tickets", _("Tickets")
    RMAS = "rmas", _("Replacements (RMA)")
    CONTRACTS = "contracts", _("Contracts")
    REPORTS = "reports", _("Reports")
    CUSTOMERS = "customers", _("Customers")
    WEBHOOKS = "webhooks", _("Webhooks")


READ, WRITE = "read", "write"


def scope_choices():
    """`<resource>:read` and `<resource>:write` of every resource, with their labels."""
    return [(f"{resource}:{level}", label % {"resource": name})
            for resource, name in Resource.choices
            for level, label in ((READ, _("%(resource)s: read")),
                                 (WRITE, _("%(resource)s: write")))]


class ServiceToken(models.Model):
    """An integration token: it belongs to the partner, not to a person, and outlives the
    administrator who made it.

    Each token acts through a user of its own (`user`, a service account): of the partner
    administrator role, or of the customer user role of its customer when it is
    restricted to one. Every role check, every `customers_visible_to` and every change
    history of the portal therefore works for it unchanged; the service account cannot
    sign in (no password, not reachable by `User.objects`) and history names it "via
    integration <name>". Scopes narrow what the role allows, per resource and method.
    Only a SHA-256 hash of the secret is kept; the secret is shown once."""

    user = models.OneToOneField(User, on_delete=models.PROTECT, related_name="service_token",
                                editable=False)
    name = models.CharField(_("name"), max_length=100,
                            help_text=_("What the integration is, e.g. “PSA ticket sync”."))
    scopes = models.JSONField(_("scopes"), default=list)
    prefix = models.CharField(_("prefix"), max_length=16)
    secret_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("created by"))
    expires_on = models.DateField(_("expires"), null=True, blank=True,
                                  help_text=_("Last day the token works; empty: no expiry."))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    history = HistoricalRecords(excluded_fields=["secret_hash", "created_at"],
                                get_user=local_history_user)

    State = ApiToken.State
    STATUS_TONES = ApiToken.STATUS_TONES

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("integration token")
        verbose_name_plural = _("integration tokens")

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    def state_at(self, now):
        if self.revoked_at is not None:
            return self.State.REVOKED
        if self.expires_on is not None and timezone.localdate(now) > self.expires_on:
            return self.State.EXPIRED
        return self.State.ACTIVE

    def allows(self, scope):
        return scope in self.scopes

    @property
    def customer(self):
        return self.user.customer

    def scope_labels(self):
        labels = dict(scope_choices())
        return [labels.get(scope, scope) for scope in self.scopes]
