from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from portal.submissions.once import OneTimeTokenForm
from portal.users.models import PARTNER_STAFF_ROLES, User

from . import services
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


class TicketScreenForm(OneTimeTokenForm):
    """The ticket page's one form: the reply or internal note, and the sidebar's fields,
    sent together by *Update*. Each field is there only for who may change it."""

    body = forms.CharField(label=_("Reply"), required=False,
                           widget=forms.Textarea(attrs={"rows": 5}))
    files = MultipleFileField(label=_("Attachments"), required=False)
    internal = forms.BooleanField(label=_("Internal note (never shown to the customer)"),
                                  required=False)
    status = forms.ChoiceField(label=_("State"), required=False)
    priority = forms.ChoiceField(label=_("Priority"), choices=Ticket.Priority.choices,
                                 required=False)
    category = forms.ChoiceField(label=_("Category"), choices=Ticket.Category.choices,
                                 required=False)
    assignee = forms.ModelChoiceField(label=_("Assignee"), queryset=User.objects.none(),
                                      required=False, empty_label=_("Unassigned"))
    level = forms.ChoiceField(label=_("Escalation level"), required=False)
    reason = forms.CharField(label=_("Reason for the new level"), required=False,
                             widget=forms.Textarea(attrs={"rows": 2}),
                             help_text=_("Required when the level changes."))
    cloud_partner = forms.ChoiceField(
        label=_("Cloud partner"), required=False,
        choices=[("", _("None")), *Ticket.CloudPartner.choices])
    incident_number = forms.CharField(label=_("Cloud partner's incident number"),
                                      max_length=80, required=False)
    findings = forms.CharField(label=_("Findings"), required=False,
                               widget=forms.Textarea(attrs={"rows": 2}))
    cloud_notice = forms.CharField(label=_("Status notice from the cloud partner"),
                                   required=False, widget=forms.Textarea(attrs={"rows": 2}))
    closes_incident = forms.BooleanField(
        label=_("The cloud partner has closed its incident"), required=False)

    REPLY = ("body", "files", "internal")

    def __init__(self, *args, ticket, user, statuses, levels, assignees=None, **kwargs):
        """`statuses`, `levels`: where `user` may move the ticket (services'
        allowed_statuses and allowed_levels); `assignees`: whom it may be assigned to, when
        read already (the choices shown; a choice sent is still checked by the query)."""
        initial = {"status": ticket.status, "priority": ticket.priority,
                   "category": ticket.category, "assignee": ticket.assignee_id,
                   "level": ticket.escalation_level, "cloud_partner": ticket.cloud_partner,
                   "findings": ticket.cloud_findings}
        super().__init__(*args, initial=initial, **kwargs)
        self.ticket = ticket
        staff = not user.is_customer_user
        partner_staff = user.role in PARTNER_STAFF_ROLES
        self.fields["files"].help_text = _("%(types)s; up to %(limit)s each.") % {
            "types": allowed_extensions(),
            "limit": filesizeformat(settings.TICKET_ATTACHMENT_MAX_BYTES)}
        drop = set()
        if not staff:
            drop |= {"internal", "level", "reason", "cloud_partner", "incident_number",
                     "findings", "cloud_notice", "closes_incident"}
        if not partner_staff:
            drop |= {"priority", "category", "assignee"}
        if statuses:
            current = Ticket.Status(ticket.status)
            self.fields["status"].choices = [
                (status.value, status.label) for status in Ticket.Status
                if status == current or status in statuses]
        else:
            drop.add("status")
        if levels and ticket.is_open:
            current_level = Ticket.Level(ticket.escalation_level)
            self.fields["level"].choices = [
                (level.value, level.label) for level in Ticket.Level
                if level == current_level or level in levels]
        else:
            drop |= {"level", "reason"}
        if not ticket.is_open:
            drop |= {"cloud_partner", "incident_number", "findings", "cloud_notice",
                     "closes_incident"}
        elif ticket.cloud_status in (Ticket.CloudStatus.OPEN, Ticket.CloudStatus.CLOSED):
            drop |= {"cloud_partner", "incident_number", "findings"}
        else:
            drop |= {"cloud_notice", "closes_incident"}
        for name in drop:
            self.fields.pop(name, None)
        if "assignee" in self.fields:
            self.fields["assignee"].queryset = User.objects.filter(
                role__in=PARTNER_STAFF_ROLES, is_active=True).order_by("first_name", "email")
            self.fields["assignee"].label_from_instance = lambda person: person.display_name
            if assignees is not None:
                self.fields["assignee"].choices = [
                    ("", self.fields["assignee"].empty_label),
                    *((person.pk, person.display_name) for person in assignees)]

    @property
    def editable(self):
        """The names of the fields shown (the page states the others)."""
        return set(self.fields)

    def reply_fields(self):
        return [self[name] for name in self.REPLY if name in self.fields]

    GROUPS = (("", ("status", "priority", "category", "assignee")),
              (_("Escalation"), ("level", "reason")),
              (_("Cloud ecosystem partner"), ("cloud_partner", "incident_number", "findings",
                                              "cloud_notice", "closes_incident")))

    def sidebar_groups(self):
        """[(title, fields, open)]: the sidebar's fields by subject; escalation and cloud
        partner folded away until the ticket has one or they carry errors."""
        ticket = self.ticket
        opened = {"": True, str(self.GROUPS[1][0]): ticket.is_escalated,
                  str(self.GROUPS[2][0]): bool(ticket.cloud_partner)}
        groups = []
        for title, names in self.GROUPS:
            fields = [self[name] for name in names if name in self.fields]
            if fields:
                groups.append((title, fields, opened[str(title)]
                               or any(field.errors for field in fields)))
        return groups

    KEEP_WHEN_EMPTY = ("status", "priority", "category", "level", "cloud_partner")

    def changes(self):
        """The keyword arguments of services.apply_update, for the fields shown; an empty
        choice leaves its field as it is."""
        return {name: (None if name in self.KEEP_WHEN_EMPTY and not value else value)
                for name, value in self.cleaned_data.items() if name in self.fields}


class BulkUpdateForm(forms.Form):
    """Checked tickets of the list and the change to make to each; a field left empty is
    not changed."""

    status = forms.ChoiceField(label=_("State"), required=False,
                               choices=[("", _("Keep the state")), *Ticket.Status.choices])
    priority = forms.ChoiceField(label=_("Priority"), required=False,
                                 choices=[("", _("Keep the priority")),
                                          *Ticket.Priority.choices])
    assignee = forms.ChoiceField(label=_("Assignee"), required=False)

    def __init__(self, *args, assignees, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [
            ("", _("Keep the assignee")), ("none", _("Unassigned")),
            *((str(person.pk), person.display_name) for person in assignees)]


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


class TicketApiUpdateForm(forms.Form):
    """The API's edit of a ticket (PATCH): only the fields sent are applied, each with the
    ticket page's rules (services.apply_update)."""

    status = forms.ChoiceField(choices=Ticket.Status.choices, required=False)
    priority = forms.ChoiceField(choices=Ticket.Priority.choices, required=False)
    category = forms.ChoiceField(choices=Ticket.Category.choices, required=False)
    assignee = forms.ModelChoiceField(queryset=User.objects.none(), to_field_name="email",
                                      required=False)
    followers = forms.ModelMultipleChoiceField(queryset=User.objects.none(),
                                               to_field_name="email", required=False)
    external_system = forms.CharField(max_length=40, required=False)
    external_reference = forms.CharField(max_length=100, required=False)

    def __init__(self, *args, ticket, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = User.objects.filter(
            role__in=PARTNER_STAFF_ROLES, is_active=True)
        self.fields["followers"].queryset = services.possible_followers(ticket)
