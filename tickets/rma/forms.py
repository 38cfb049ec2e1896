"""Forms of the partner's replacement pages and API (SPEC §8)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.submissions.once import OneTimeTokenForm

from ..models import Rma


class RmaRequestForm(OneTimeTokenForm):
    """Partner staff name the customer by Site ID; a customer user's is implied."""

    site_id = forms.CharField(label=_("Site ID"), max_length=40)
    serial = forms.CharField(label=_("Serial number of the defective device"), max_length=60)
    fault = forms.CharField(label=_("Fault"), widget=forms.Textarea(attrs={"rows": 4}),
                            help_text=_("What the device does wrong, and since when."))

    def __init__(self, *args, customer_implied=False, **kwargs):
        super().__init__(*args, **kwargs)
        if customer_implied:
            del self.fields["site_id"]


class RmaActionForm(forms.Form):
    status = forms.ChoiceField(label=_("Next step"), choices=Rma.Status.choices)
    carrier = forms.CharField(label=_("Carrier"), max_length=80, required=False)
    tracking_number = forms.CharField(label=_("Tracking number"), max_length=80,
                                      required=False)
    replacement_serial = forms.CharField(label=_("Serial number of the replacement"),
                                         max_length=60, required=False)
    note = forms.CharField(label=_("Note"), required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, statuses, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [(s.value, s.label) for s in statuses]
        if Rma.Status.SHIPPED not in statuses:
            for name in ("carrier", "tracking_number", "replacement_serial"):
                del self.fields[name]
