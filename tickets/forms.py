from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Ticket


class TicketForm(forms.ModelForm):
    """Partner staff name the customer by its Site ID; a customer user's is implied."""

    site_id = forms.CharField(label=_("Site ID"), max_length=40,
                              help_text=_("The customer's Site ID, e.g. NW-100201."))

    class Meta:
        model = Ticket
        fields = ["site_id", "subject", "description", "category", "priority", "device"]
        widgets = {"description": forms.Textarea(attrs={"rows": 6})}

    def __init__(self, *args, devices, customer_implied=False, **kwargs):
        super().__init__(*args, **kwargs)
        if customer_implied:
            del self.fields["site_id"]
        self.fields["device"].queryset = devices
        self.fields["device"].required = False
        self.fields["device"].help_text = _("Optional: the device concerned.")


class CommentForm(forms.Form):
    body = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 4}))
    internal = forms.BooleanField(label=_("Internal note (never shown to the customer)"),
                                  required=False)


class TicketFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("All statuses")), ("open", _("Open")),
                                        *Ticket.Status.choices])
    priority = forms.ChoiceField(label=_("Priority"), required=False,
                                 choices=[("", _("All priorities")), *Ticket.Priority.choices])
