import re
from pathlib import PurePath

from django import forms
from django.conf import settings
from django.core.validators import RegexValidator
from django.template.defaultfilters import filesizeformat
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError

from portal.submissions.once import OneTimeTokenForm

from .models import DateOrder, Domain, Partner
from .services import RESERVED_SLUGS

BRANDING_FIELDS = [
    "name", "logo", "logo_on_dark", "primary_colour", "accent_colour", "support_phone",
    "support_email", "email_sender_name", "default_language", "date_order",
]

domain_validator = RegexValidator(
    r"^(?=.{3,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$",
    _("Enter a host name such as portal.example.com."),
)


class ColourInput(forms.TextInput):
    """A hexadecimal field, which works without JavaScript, and beside it a colour picker
    that static/js/branding.js shows and keeps in step with it (the picker has no name: the
    field is what is sent)."""

    def __init__(self, attrs=None):
        super().__init__({"pattern": "#?[0-9a-fA-F]{6}", "maxlength": "7", "size": "8",
                          "spellcheck": "false", "autocomplete": "off",
                          "class": "colour-hex", **(attrs or {})})

    def render(self, name, value, attrs=None, renderer=None):
        field = super().render(name, value, attrs, renderer)
        field_id = self.build_attrs(self.attrs, attrs).get("id", "")
        colour = normalise_colour(value or "")
        picker = format_html(
            '<input type="color" class="colour-picker" data-colour-for="{}" value="{}" '
            'aria-label="{}" hidden>', field_id,
            colour if COLOUR.fullmatch(colour) else "#000000", _("Colour picker"))
        return format_html('<span class="colour-field">{}{}</span>', picker, field)


COLOUR = re.compile(r"#[0-9a-f]{6}")


def normalise_colour(value):
    """`1F4E79`, `#1F4E79 ` → `#1f4e79`; anything else is left for the validator to refuse."""
    value = str(value).strip().lower()
    return value if value.startswith("#") or not value else "#" + value


class LogoInput(forms.ClearableFileInput):
    """Shows the stored logo itself and its size, never the name it is stored under."""

    preview_url = ""

    def render(self, name, value, attrs=None, renderer=None):
        upload = forms.FileInput().render(name, None, self.build_attrs(self.attrs, attrs))
        if not (self.is_initial(value) and self.preview_url):
            return upload
        clear_name = self.clear_checkbox_name(name)
        return format_html(
            '<span class="logo-field"><img src="{}" alt="{}" class="logo-preview{}">'
            '<span class="muted">{}</span>'
            '<label><input type="checkbox" name="{}" id="{}"> {}</label></span>{}',
            self.preview_url, _("Current logo"),
            " logo-preview--on-dark" if name.endswith("on_dark") else "",
            logo_size(value), clear_name, self.clear_checkbox_id(clear_name),
            _("Remove this logo"), upload)


def logo_size(field_file):
    """“12.3 KB · 240 × 80 px” of a stored logo; the dimensions only when readable."""
    try:
        size = filesizeformat(field_file.size)
    except (FileNotFoundError, OSError):
        return _("The file cannot be read.")
    try:
        return _("%(size)s · %(width)s × %(height)s px") % {
            "size": size, "width": field_file.width, "height": field_file.height}
    except (FileNotFoundError, OSError, TypeError, ValueError):
        return size


# The names a logo of each kind may carry; the first is the one it is stored under.
LOGO_EXTENSIONS = {"PNG": (".png",), "JPEG": (".jpg", ".jpeg", ".jpe", ".jfif"),
                   "GIF": (".gif",), "WEBP": (".webp",)}


def validate_logo(upload):
    """Accepts PNG, JPEG, GIF or WebP images up to the configured size, checked by content
    (never SVG, which may carry scripts), whose name says the same type; returns the kind."""
    if upload.size > settings.BRANDING_LOGO_MAX_BYTES:
        raise forms.ValidationError(
            _("The logo is %(size)s; the limit is %(limit)s."),
            params={"size": filesizeformat(upload.size),
                    "limit": filesizeformat(settings.BRANDING_LOGO_MAX_BYTES)},
            code="too_large",
        )
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            image.verify()
            kind = image.format
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise forms.ValidationError(
            _("The file is not an image. Upload a PNG, JPEG, GIF or WebP file."),
            code="not_image",
        ) from exc
    finally:
        upload.seek(0)
    if kind not in settings.BRANDING_LOGO_TYPES or kind not in LOGO_EXTENSIONS:
        raise forms.ValidationError(
            _("%(kind)s images are not accepted. Upload a PNG, JPEG, GIF or WebP file."),
            params={"kind": kind},
            code="bad_type",
        )
    if PurePath(upload.name or "").suffix.lower() not in LOGO_EXTENSIONS[kind]:
        raise forms.ValidationError(
            _("The file is a %(kind)s image but its name says otherwise. Upload it under a "
              "name ending in %(extension)s."),
            params={"kind": kind, "extension": LOGO_EXTENSIONS[kind][0]},
            code="name_mismatch",
        )
    return kind


WEEKDAYS = [("0", _("Monday")), ("1", _("Tuesday")), ("2", _("Wednesday")),
            ("3", _("Thursday")), ("4", _("Friday")), ("5", _("Saturday")), ("6", _("Sunday"))]
# The clock of P3/P4 tickets (SPEC §7), kept with the rest of the partner's settings.
SUPPORT_HOURS_FIELDS = ["time_zone", "support_opens", "support_closes", "support_days"]


class BrandingForm(forms.ModelForm):
    support_days = forms.MultipleChoiceField(
        label=_("Support days"), choices=WEEKDAYS, widget=forms.CheckboxSelectMultiple,
        help_text=_("P3 and P4 tickets count only the support hours of these days, public "
                    "holidays of the customer's country excluded."))

    class Meta:
        model = Partner
        fields = BRANDING_FIELDS + SUPPORT_HOURS_FIELDS
        widgets = {"primary_colour": ColourInput(), "accent_colour": ColourInput(),
                   "logo": LogoInput(), "logo_on_dark": LogoInput(),
                   "support_opens": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
                   "support_closes": forms.TimeInput(attrs={"type": "time"}, format="%H:%M")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "support_days" in self.fields:
            self.initial["support_days"] = list(self.instance.support_days or "")
        # Left empty, the support hours stay as they are.
        for name in SUPPORT_HOURS_FIELDS:
            if name in self.fields:
                self.fields[name].required = False
        # Left empty (a form of before the setting), the date order stays as it is.
        if "date_order" in self.fields:
            self.fields["date_order"].required = False

    def _clean_support_hours(self, name):
        return self.cleaned_data.get(name) or getattr(self.instance, name)

    def clean_time_zone(self):
        return self._clean_support_hours("time_zone")

    def clean_support_opens(self):
        return self._clean_support_hours("support_opens")

    def clean_support_closes(self):
        return self._clean_support_hours("support_closes")

    def clean_date_order(self):
        return (self.cleaned_data.get("date_order") or self.instance.date_order
                or DateOrder.DAY_FIRST)

    def set_logo_urls(self, light, dark):
        """Where the stored logos are shown (the portal's or the console's address)."""
        for name, url in (("logo", light), ("logo_on_dark", dark)):
            if name in self.fields:
                self.fields[name].widget.preview_url = url

    def _clean_logo(self, name):
        logo = self.cleaned_data.get(name)
        if logo and hasattr(logo, "content_type"):
            # Stored under the name of what it is, whatever it was called.
            logo.name = "logo" + LOGO_EXTENSIONS[validate_logo(logo)][0]
        return logo

    def clean_logo(self):
        return self._clean_logo("logo")

    def clean_logo_on_dark(self):
        return self._clean_logo("logo_on_dark")

    def clean_primary_colour(self):
        return normalise_colour(self.cleaned_data.get("primary_colour", ""))

    def clean_accent_colour(self):
        return normalise_colour(self.cleaned_data.get("accent_colour", ""))

    def clean_support_days(self):
        days = self.cleaned_data.get("support_days")
        return "".join(sorted(set(days))) if days else self.instance.support_days


class ConsoleBrandingForm(BrandingForm):
    """The partner's branding as the vendor administrator edits it, with the prefix of its
    references in the console."""

    class Meta(BrandingForm.Meta):
        fields = [*BrandingForm.Meta.fields, "reference_prefix"]

    def clean_reference_prefix(self):
        # Left empty, the prefix stays as it is (the console's references keep it).
        prefix = (self.cleaned_data.get("reference_prefix") or "").strip().upper()
        return prefix or self.instance.reference_prefix


class PartnerCreateForm(OneTimeTokenForm, BrandingForm):
    support_days = None  # support hours are set afterwards, on the partner's branding page

    slug = forms.CharField(
        label=_("Slug"), max_length=32,
        help_text=_("Short name used for the partner's schema and demo address."),
    )
    domain = forms.CharField(
        label=_("Domain"), max_length=253, validators=[domain_validator],
        help_text=_("Host name of the partner's portal, e.g. portal.partner.com."),
    )
    admin_email = forms.EmailField(label=_("First administrator's e-mail"))
    admin_first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    admin_last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)

    class Meta(BrandingForm.Meta):
        fields = ["name", "slug", "domain", *BRANDING_FIELDS[1:]]

    def clean_slug(self):
        slug = self.cleaned_data["slug"].strip().lower()
        Partner._meta.get_field("slug").run_validators(slug)
        if slug in RESERVED_SLUGS:
            raise forms.ValidationError(_("“%(slug)s” is reserved."), params={"slug": slug})
        if Partner.objects.filter(slug=slug).exists():
            raise forms.ValidationError(
                _("The slug “%(slug)s” is already taken by another partner."),
                params={"slug": slug}, code="taken",
            )
        return slug

    def clean_domain(self):
        domain = self.cleaned_data["domain"].strip().lower()
        if Domain.objects.filter(domain=domain).exists():
            raise forms.ValidationError(
                _("The domain “%(domain)s” is already in use."),
                params={"domain": domain}, code="taken",
            )
        return domain

    def fieldsets(self):
        groups = [
            (_("Partner"), ["name", "slug", "domain", "default_language", "date_order"]),
            (_("Branding"), ["logo", "logo_on_dark", "primary_colour", "accent_colour",
                             "support_phone", "support_email", "email_sender_name"]),
            (_("First partner administrator"),
             ["admin_email", "admin_first_name", "admin_last_name"]),
        ]
        return [(legend, [self[name] for name in names]) for legend, names in groups]

    def branding(self):
        return {field: self.cleaned_data[field] for field in BRANDING_FIELDS if field != "name"}

    def admin(self):
        return {
            "email": self.cleaned_data["admin_email"].lower(),
            "first_name": self.cleaned_data["admin_first_name"],
            "last_name": self.cleaned_data["admin_last_name"],
        }


class SenderAddressForm(forms.ModelForm):
    class Meta:
        model = Partner
        fields = ["email_sender_address"]

    def clean_email_sender_address(self):
        address = self.cleaned_data["email_sender_address"].strip().lower()
        # A partner never sends as another one.
        if address and Partner.objects.filter(email_sender_address=address).exclude(
                pk=self.instance.pk).exists():
            raise forms.ValidationError(
                _("Another partner already sends from %(address)s."),
                params={"address": address}, code="taken")
        return address


class DomainForm(OneTimeTokenForm):
    domain = forms.CharField(label=_("Domain"), max_length=253, validators=[domain_validator])

    def clean_domain(self):
        domain = self.cleaned_data["domain"].strip().lower()
        if Domain.objects.filter(domain=domain).exists():
            raise forms.ValidationError(
                _("The domain “%(domain)s” is already in use."), params={"domain": domain}
            )
        return domain
