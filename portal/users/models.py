from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils.translation import gettext_lazy as _


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


class User(AbstractUser):
    """A person who logs in.

    Vendor staff are rows of the public schema; partner staff and customer users are
    rows of their partner's schema, so an account exists on one portal only.
    """

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

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = UserManager()

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
    def is_vendor_staff(self):
        return self.role in VENDOR_ROLES

    @property
    def is_partner_staff(self):
        return self.role in PARTNER_STAFF_ROLES

    @property
    def is_customer_user(self):
        return self.role == Role.CUSTOMER_USER

    @property
    def has_accepted_invitation(self):
        return self.has_usable_password()
