from datetime import date

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.submissions.once import OneTimeTokenForm


class MonthField(forms.CharField):
    """A month as YYYY-MM (the browser's month picker), cleaned to its first day."""

    widget = forms.TextInput(attrs={"type": "month"})

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        try:
            year, month = (int(part) for part in value.split("-")[:2])
            return date(year, month, 1)
        except ValueError as error:
            raise forms.ValidationError(_("Enter a month as YYYY-MM.")) from error


class ReportRunForm(OneTimeTokenForm):
    month = MonthField(label=_("Month"))

    def clean_month(self):
        month = self.cleaned_data["month"]
        today = timezone.localdate()
        if month >= date(today.year, today.month, 1):
            raise forms.ValidationError(_("Choose a month that has ended."))
        return month


class NotesForm(forms.Form):
    csm_notes = forms.CharField(label=_("Notes for the customer"), required=False,
                                widget=forms.Textarea(attrs={"rows": 5}))


class CsmHoursForm(OneTimeTokenForm):
    worked_on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    hours = forms.DecimalField(label=_("Hours"), max_digits=5, decimal_places=2,
                               min_value=0.25, max_value=24)
    description = forms.CharField(label=_("What was done"), max_length=300)


class TamHoursForm(CsmHoursForm):
    """Technical account management time, logged as CSM hours are."""


class IssueQuoteForm(OneTimeTokenForm):
    adjustment_month = MonthField(label=_("Adjustment month"), required=False,
                                  help_text=_("Empty: the month after the report."))


class AcceptQuoteForm(forms.Form):
    po_number = forms.CharField(label=_("Purchase-order number"), max_length=60)


class DeclineQuoteForm(forms.Form):
    reason = forms.CharField(label=_("Why"), widget=forms.Textarea(attrs={"rows": 2}))
