from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from portal.catalogue.models import Category
from portal.submissions.once import OneTimeTokenForm

from . import services
from .models import Contract, Customer


class CustomerForm(OneTimeTokenForm, forms.ModelForm):
    class Meta:
        model = Customer
        fields = ["name", "site_id", "address", "postal_code", "city", "country", "time_zone",
                  "language"]
        widgets = {"address": forms.Textarea(attrs={"rows": 3})}

    def clean_site_id(self):
        return self.cleaned_data["site_id"].strip().upper()


class ContractForm(OneTimeTokenForm, forms.ModelForm):
    """The contract's terms plus one row per category: covered, installed, growth, price."""

    class Meta:
        model = Contract
        fields = ["customer", "start", "end", "currency", "csm_blocks_per_month", "tam_hours",
                  "professional_services_discount"]
        widgets = {"start": forms.DateInput(attrs={"type": "date"}),
                   "end": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, customers=None, **kwargs):
        super().__init__(*args, **kwargs)
        if customers is not None:
            self.fields["customer"].queryset = customers
        existing = {line.category: line for line in self.instance.lines.all()} \
            if self.instance.pk else {}
        for category, label in Category.choices:
            line = existing.get(category)
            self.fields[f"{category}_covered"] = forms.BooleanField(
                label=label, required=False, initial=line is not None)
            self.fields[f"{category}_installed"] = forms.IntegerField(
                label=_("Installed"), min_value=0, required=False,
                initial=line.installed if line else None)
            self.fields[f"{category}_growth"] = forms.IntegerField(
                label=_("Growth"), min_value=0, required=False,
                initial=line.growth if line else 0)
            self.fields[f"{category}_annual_price"] = forms.DecimalField(
                label=_("Annual price per device"), min_value=0, max_digits=10,
                decimal_places=2, required=False, initial=line.annual_price if line else None)

    def category_rows(self):
        return [
            (label, [self[f"{category}_{part}"]
                     for part in ("covered", "installed", "growth", "annual_price")])
            for category, label in Category.choices
        ]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end <= start:
            self.add_error("end", _("The end must come after the start."))
        covered = [category for category, _label in Category.choices
                   if cleaned.get(f"{category}_covered")]
        if not covered:
            raise forms.ValidationError(_("Choose at least one covered category."))
        for category in covered:
            for part in ("installed", "annual_price"):
                if cleaned.get(f"{category}_{part}") is None:
                    self.add_error(f"{category}_{part}", _("Required for a covered category."))
        return cleaned

    def lines(self):
        """{category: (installed, growth, annual_price)} for the covered categories."""
        return {
            category: (self.cleaned_data[f"{category}_installed"],
                       self.cleaned_data.get(f"{category}_growth") or 0,
                       self.cleaned_data[f"{category}_annual_price"])
            for category, _label in Category.choices
            if self.cleaned_data.get(f"{category}_covered")
        }


class AuthorisationLetterForm(OneTimeTokenForm):
    """A customer's signed letter; the checks themselves are the service's."""

    signatory = forms.CharField(label=_("Signed by"), max_length=200,
                                help_text=_("The name of the person who signed the letter."))
    signatory_title = forms.CharField(label=_("Signatory's title"), max_length=200,
                                      required=False)
    signed_on = forms.DateField(label=_("Signed on"),
                                widget=forms.DateInput(attrs={"type": "date"}))
    expires_on = forms.DateField(label=_("Expires on"),
                                 widget=forms.DateInput(attrs={"type": "date"}))
    file = forms.FileField(
        label=_("Signed letter"),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".pdf,.png,.jpg,.jpeg,application/pdf,image/png,image/jpeg"}),
    )

    def __init__(self, *args, customer, **kwargs):
        super().__init__(*args, **kwargs)
        self.customer = customer
        self.fields["file"].help_text = _("PDF, PNG or JPEG, at most %(limit)s.") % {
            "limit": filesizeformat(settings.AUTHORISATION_LETTER_MAX_BYTES)}

    def clean_file(self):
        upload = self.cleaned_data["file"]
        services.check_authorisation_letter_file(upload)
        return upload

    def clean(self):
        cleaned = super().clean()
        errors = services.authorisation_letter_date_errors(
            self.customer, cleaned.get("signed_on"), cleaned.get("expires_on"))
        if errors:
            raise ValidationError(errors)
        return cleaned
