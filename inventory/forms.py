from django import forms
from django.utils.translation import gettext_lazy as _

from portal.catalogue.models import Category

from .models import Device


class DeviceFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False,
                        widget=forms.TextInput(attrs={"placeholder": _("Serial, MAC or model")}))
    category = forms.ChoiceField(label=_("Category"), required=False,
                                 choices=[("", _("All categories")), *Category.choices])
    coverage = forms.ChoiceField(label=_("Coverage"), required=False, choices=[
        ("", _("Covered or not")), ("covered", _("Covered")), ("uncovered", _("Not covered"))])
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("All statuses")), *Device.Status.choices])
    outdated = forms.BooleanField(label=_("Firmware outdated"), required=False)
    end_of_life = forms.BooleanField(label=_("End of life passed"), required=False)


class RegistrationForm(forms.Form):
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
