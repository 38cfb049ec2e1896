"""The filters of the console's cross-partner queues."""

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.tenants.models import Partner
from reporting.models import TrueUpQuote
from tickets.models import Rma, Ticket


class EscalationFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False, initial="open",
                               choices=[("open", _("Open")), ("", _("All statuses")),
                                        *Ticket.Status.choices])
    level = forms.ChoiceField(label=_("Level"), required=False, choices=[
        ("", _("Vendor and specialist")), (Ticket.Level.VENDOR, Ticket.Level.VENDOR.label),
        (Ticket.Level.SPECIALIST, Ticket.Level.SPECIALIST.label)])
    partner = forms.ModelChoiceField(label=_("Partner"), required=False, to_field_name="slug",
                                     queryset=Partner.objects.partners().filter(
                                         status=Partner.Status.ACTIVE),
                                     empty_label=_("All partners"),
                                     # The partner's slug typed in: a list of every
                                     # partner would grow the page with their number.
                                     widget=forms.TextInput(attrs={
                                         "placeholder": _("All partners")}))

    def clean_partner(self):
        partner = self.cleaned_data.get("partner")
        return partner.slug if partner else ""


class ConsoleRmaFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False, initial="open",
                               choices=[("open", _("Open")), ("", _("All statuses")),
                                        *Rma.Status.choices])
    partner = EscalationFilterForm.base_fields["partner"]
    late = forms.BooleanField(label=_("Late only"), required=False)

    def clean_partner(self):
        partner = self.cleaned_data.get("partner")
        return partner.slug if partner else ""


class ConsoleQuoteFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False,
                        widget=forms.TextInput(attrs={"placeholder": _("Customer or Site ID")}))
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[
        ("", _("All statuses")),
        (TrueUpQuote.Status.ISSUED, _("Awaiting a purchase order")),
        (TrueUpQuote.Status.ACCEPTED, TrueUpQuote.Status.ACCEPTED.label),
        (TrueUpQuote.Status.DECLINED, TrueUpQuote.Status.DECLINED.label)])
    partner = EscalationFilterForm.base_fields["partner"]

    def clean_partner(self):
        partner = self.cleaned_data.get("partner")
        return partner.slug if partner else ""
