from django import forms
from django.utils.translation import gettext_lazy as _

from portal.submissions.once import OneTimeTokenForm

from .models import Event


class EndpointFieldsForm(forms.Form):
    """An endpoint's fields and their rules, for the page and the API alike."""

    url = forms.URLField(label=_("URL"), max_length=500, assume_scheme="https",
                         help_text=_("Deliveries are POSTed here as JSON, signed."))
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    events = forms.MultipleChoiceField(label=_("Events"), choices=Event.choices,
                                       widget=forms.CheckboxSelectMultiple)
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)


class EndpointForm(OneTimeTokenForm, EndpointFieldsForm):
    pass
