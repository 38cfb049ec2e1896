from dataclasses import dataclass

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


@dataclass(frozen=True)
class ScreenState:
    """All the ticket page's form is made of: the ticket's values it shows, where the reader
    may move the ticket, whom it may be assigned to. The form reads nothing else, so unbound
    forms of the same state are the same form (views.screen_form shares them)."""

    status: str
    priority: str
    category: str
    assignee_id: int | None
    level: str
    cloud_partner: str
    cloud_status: str
    findings: str
    is_open: bool
    is_escalated: bool
    staff: bool
    partner_staff: bool
    statuses: frozenset  # services.allowed_statuses
    levels: frozenset  # services.allowed_levels
    # (pk, name) of whom it may be assigned to, when read already; None: read by the field.
    assignees: tuple | None
    attachment_types: str
    attachment_limit: int

    @classmethod
    def of(cls, ticket, user, *, statuses, levels, assignees=None):
        return cls(
            status=ticket.status, priority=ticket.priority, category=ticket.category,
            assignee_id=ticket.assignee_id, level=ticket.escalation_level,
            cloud_partner=ticket.cloud_partner, cloud_status=ticket.cloud_status,
            findings=ticket.cloud_findings, is_open=ticket.is_open,
            is_escalated=ticket.is_escalated, staff=not user.is_customer_user,
            partner_staff=user.role in PARTNER_STAFF_ROLES, statuses=frozenset(statuses),
            levels=frozenset(levels),
            assignees=None if assignees is None else tuple(
                (person.pk, person.display_name) for person in assignees),
            attachment_types=allowed_extensions(),
            attachment_limit=settings.TICKET_ATTACHMENT_MAX_BYTES)

    @property
    def shareable(self):
        """Whether the form's choices are all in the state (not the assignees' field's
        query)."""
        return self.assignees is not None or not self.partner_staff


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

    def __init__(self, *args, state, **kwargs):
        """`state`: all the form is made of (`ScreenState`)."""
        initial = {"status": state.status, "priority": state.priority,
                   "category": state.category, "assignee": state.assignee_id,
                   "level": state.level, "cloud_partner": state.cloud_partner,
                   "findings": state.findings}
        super().__init__(*args, initial=initial, **kwargs)
        self.state = state
        self.fields["files"].help_text = _("%(types)s; up to %(limit)s each.") % {
            "types": state.attachment_types,
            "limit": filesizeformat(state.attachment_limit)}
        drop = set()
        if not state.staff:
            drop |= {"internal", "level", "reason", "cloud_partner", "incident_number",
                     "findings", "cloud_notice", "closes_incident"}
        if not state.partner_staff:
            drop |= {"priority", "category", "assignee"}
        if state.statuses:
            current = Ticket.Status(state.status)
            self.fields["status"].choices = [
                (status.value, status.label) for status in Ticket.Status
                if status == current or status in state.statuses]
        else:
            drop.add("status")
        if state.levels and state.is_open:
            current_level = Ticket.Level(state.level)
            self.fields["level"].choices = [
                (level.value, level.label) for level in Ticket.Level
                if level == current_level or level in state.levels]
        else:
            drop |= {"level", "reason"}
        if not state.is_open:
            drop |= {"cloud_partner", "incident_number", "findings", "cloud_notice",
                     "closes_incident"}
        elif state.cloud_status in (Ticket.CloudStatus.OPEN, Ticket.CloudStatus.CLOSED):
            drop |= {"cloud_partner", "incident_number", "findings"}
        else:
            drop |= {"cloud_notice", "closes_incident"}
        for name in drop:
            self.fields.pop(name, None)
        if "assignee" in self.fields:
            self.fields["assignee"].queryset = User.objects.filter(
                role__in=PARTNER_STAFF_ROLES, is_active=True).order_by("first_name", "email")
            self.fields["assignee"].label_from_instance = lambda person: person.display_name
            if state.assignees is not None:
                self.fields["assignee"].choices = [
                    ("", self.fields["assignee"].empty_label), *state.assignees]

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
        state = self.state
        opened = {"": True, str(self.GROUPS[1][0]): state.is_escalated,
                  str(self.GROUPS[2][0]): bool(state.cloud_partner)}
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
