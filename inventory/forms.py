from django import forms
from django.utils.translation import gettext_lazy as _

from portal.csvimport import size_error
from portal.submissions.once import OneTimeTokenForm

from . import registration
from .lens import reading
from .lens.columns import COLUMNS, field_label
from .models import LensHeaderMapping


class RegistrationForm(OneTimeTokenForm):
    customer = forms.ModelChoiceField(label=_("Customer"), queryset=None)
    serial = forms.CharField(label=_("Serial number"), max_length=60)
    model = forms.CharField(
        label=_("Product model"), max_length=40,
        help_text=_("The SKU printed on the label, e.g. VOY-8200-UC."),
        widget=forms.TextInput(attrs={"list": "product-models", "autocomplete": "off"}),
    )
    site = forms.CharField(label=_("Site"), max_length=120, required=False)
    room = forms.CharField(label=_("Room"), max_length=120, required=False)

    def __init__(self, *args, customers, fixed_customer=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fixed_customer = fixed_customer
        if fixed_customer is not None:
            del self.fields["customer"]
        else:
            self.fields["customer"].queryset = customers

    def chosen_customer(self):
        return self.fixed_customer or self.cleaned_data["customer"]


class CustomerChoiceMixin:
    """Staff choose the customer; a customer user's own is fixed and the field removed."""

    def setup_customer(self, customers, fixed_customer=None):
        self.fixed_customer = fixed_customer
        if fixed_customer is not None:
            del self.fields["customer"]
        else:
            self.fields["customer"].queryset = customers

    def chosen_customer(self):
        return self.fixed_customer or self.cleaned_data["customer"]


class DeviceRowForm(forms.Form):
    """One device of the API's bulk registration, read as the registration page reads it."""

    serial = forms.CharField(max_length=60)
    model = forms.CharField(max_length=40)
    site = forms.CharField(max_length=120, required=False)
    room = forms.CharField(max_length=120, required=False)


class CustomerForm(CustomerChoiceMixin, forms.Form):
    """The customer alone, as the API's bulk registration names it (by Site ID)."""

    customer = forms.ModelChoiceField(label=_("Customer"), queryset=None,
                                      to_field_name="site_id")

    def __init__(self, *args, customers, fixed_customer=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_customer(customers, fixed_customer)


def _size_checked(upload, limit):
    error = size_error(upload.size, limit)
    if error:
        raise forms.ValidationError(error.message, code="too_large")
    return upload


class BulkRegistrationForm(CustomerChoiceMixin, OneTimeTokenForm):
    customer = forms.ModelChoiceField(label=_("Customer"), queryset=None)
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("UTF-8 or Windows-1252, separated by commas or semicolons."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def __init__(self, *args, customers, fixed_customer=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_customer(customers, fixed_customer)

    def clean_file(self):
        return _size_checked(self.cleaned_data["file"], registration.registration_max_bytes())


class LensImportForm(CustomerChoiceMixin, OneTimeTokenForm):
    customer = forms.ModelChoiceField(label=_("Customer"), queryset=None)
    file = forms.FileField(
        label=_("Poly Lens inventory export"),
        help_text=_("The CSV file exported from Poly Lens, in English or French."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
    full_export = forms.BooleanField(
        label=_("Full export"), required=False, initial=True,
        help_text=_("The file lists every device of the customer: devices it does not list "
                    "are marked as not seen (they are not deleted)."))

    def __init__(self, *args, customers=None, fixed_customer=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_customer(customers, fixed_customer)

    def clean_file(self):
        return _size_checked(self.cleaned_data["file"], reading.max_bytes())


IGNORE = "-"  # the choice that ignores a column ("" is no choice made)


class HeaderMappingForm(forms.Form):
    """What each column of an import known by no name holds: a field the file lacks, or
    nothing (ignored). Each must be chosen: an unknown column is never dropped silently."""

    def __init__(self, *args, lens_import, **kwargs):
        super().__init__(*args, **kwargs)
        fields = [(field, field_label(field)) for field in lens_import.mappable_fields
                  if field in COLUMNS]
        self.headers, self.samples = {}, {}
        for position, column in enumerate(lens_import.unknown_headers):
            name = f"column_{position}"
            self.headers[name] = column["header"]
            self.samples[name] = column.get("samples", [])
            self.fields[name] = forms.ChoiceField(
                label=column["header"],
                choices=[("", _("Choose…")), (IGNORE, _("Ignore this column")), *fields],
                error_messages={"required": _("Map this column to a field or ignore it.")})

    def columns(self):
        """[(bound field, its samples)] in the order of the file."""
        return [(self[name], self.samples[name]) for name in self.headers]

    def decisions(self):
        """{header: field, or "" to ignore it}."""
        return {header: "" if self.cleaned_data[name] == IGNORE else self.cleaned_data[name]
                for name, header in self.headers.items()}


class LensHeaderMappingForm(forms.ModelForm):
    field = forms.ChoiceField(label=_("Holds"))

    class Meta:
        model = LensHeaderMapping
        fields = ["field"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["field"].choices = [
            ("", _("Nothing: ignore this column")),
            *[(field, field_label(field)) for field in COLUMNS]]
        self.fields["field"].required = False
