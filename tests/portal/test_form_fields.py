"""`{% form_fields form %}` writes a form as `includes/form_fields.html` did: its errors,
its hidden fields (the one-time token among them) and each field with its label, help
and errors."""

import re

import pytest
from django import forms
from django.template.loader import render_to_string
from django.utils import translation

from portal.lists import form_fields
from reporting.forms import CsmHoursForm, IssueQuoteForm, NotesForm


class RefundForm(forms.Form):
    reference = forms.CharField(widget=forms.HiddenInput)
    amount = forms.DecimalField(label="Amount <EUR>", help_text="Tax & fees <b>included</b>")
    reason = forms.ChoiceField(choices=[("late", "Late & lost"), ("broken", "Broken")])
    urgent = forms.BooleanField(required=False, label="Urgent")

    def clean(self):
        raise forms.ValidationError("Refunds are closed <today> & tomorrow.")


def forms_to_write():
    yield NotesForm(initial={"csm_notes": "Call <back> & confirm"})
    yield CsmHoursForm()
    yield IssueQuoteForm()
    yield CsmHoursForm({"worked_on": "not a date", "hours": "30", "description": ""})
    yield RefundForm()
    yield RefundForm({"reference": "R-1", "amount": "x", "reason": "late", "urgent": "on"})


@pytest.mark.parametrize("language", ["en", "fr"])
def test_a_form_is_written_as_its_template_wrote_it(db, language):
    with translation.override(language):
        for form in forms_to_write():
            if form.is_bound:
                form.is_valid()
            written = form_fields(form)
            # The token is new at each writing: the rest is the same.
            expected = render_to_string("includes/form_fields.html", {"form": form})
            assert _without_tokens(written) == _without_tokens(expected), type(form)
    refund = RefundForm({"reference": "R-1", "amount": "x", "reason": "late"})
    refund.is_valid()
    written = form_fields(refund)
    assert "Refunds are closed &lt;today&gt; &amp; tomorrow." in written
    assert 'name="reference" value="R-1"' in written


def _without_tokens(html):
    return re.sub(r'name="form_token" value="[^"]*"', "", html)
