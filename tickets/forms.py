from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from portal.submissions.once import OneTimeTokenForm
from portal.users.models import PARTNER_STAFF_ROLES, User

from .attachments import allowed_extensions
from .models import Ticket


class TicketForm(OneTimeTokenForm, forms.ModelForm):
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


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class CommentForm(OneTimeTokenForm):
    body = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 4}))
    files = MultipleFileField(label=_("Attachments"), required=False)
    internal = forms.BooleanField(label=_("Internal note (never shown to the customer)"),
                                  required=False)

    def __init__(self, *args, internal_allowed=True, **kwargs):
        super().__init__(*args, **kwargs)
        if not internal_allowed:
            del self.fields["internal"]
        self.fields["files"].help_text = _("%(types)s; up to %(limit)s each.") % {
            "types": allowed_extensions(),
            "limit": filesizeformat(settings.TICKET_ATTACHMENT_MAX_BYTES)}


class TicketUpdateForm(forms.ModelForm):
    class Meta:
        model = Ticket
        fields = ["priority", "category", "assignee"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = User.objects.filter(
            role__in=PARTNER_STAFF_ROLES, is_active=True).order_by("first_name", "email")
        self.fields["assignee"].label_from_instance = lambda user: user.display_name


class EscalationForm(OneTimeTokenForm):
    to_level = forms.ChoiceField(label=_("Hand to"), choices=Ticket.Level.choices)
    reason = forms.CharField(label=_("Why"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, levels, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_level"].choices = [(level.value, level.label) for level in levels]


class CloudIncidentForm(OneTimeTokenForm):
    """Opening an incident with the cloud partner, or referring the customer to it."""

    cloud_partner = forms.ChoiceField(label=_("Cloud partner"),
                                      choices=Ticket.CloudPartner.choices)
    incident_number = forms.CharField(label=_("Cloud partner's incident number"),
                                      max_length=80, required=False)
    findings = forms.CharField(label=_("Findings"), required=False,
                               widget=forms.Textarea(attrs={"rows": 3}))


class CloudNoticeForm(OneTimeTokenForm):
    body = forms.CharField(label=_("Status notice from the cloud partner"),
                           widget=forms.Textarea(attrs={"rows": 2}))
    closes_incident = forms.BooleanField(label=_("The cloud partner has closed its incident"),
                                         required=False)




class JointCallForm(OneTimeTokenForm):
    requested_at = forms.DateTimeField(
        label=_("Requested"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    scheduled_for = forms.DateTimeField(
        label=_("Scheduled for"), required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    participants = forms.CharField(label=_("Participants"),
                                   widget=forms.Textarea(attrs={"rows": 2}))
    outcome = forms.CharField(label=_("Outcome"), required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))


class JointCallOutcomeForm(forms.Form):
    outcome = forms.CharField(label=_("Outcome"), widget=forms.Textarea(attrs={"rows": 2}))
