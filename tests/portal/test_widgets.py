"""The form renderer writes the common widgets as Django's templates do, character for
character: ids, names, values, required, aria attributes, selected options and errors; the
`{% form_field %}` tag writes a field as `includes/field.html` does."""

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.template.loader import render_to_string
from django.utils import translation

from portal.lists import field_input, form_field
from portal.widgets import BUILT, WidgetRenderer
from tickets.forms import BulkUpdateForm


class Everything(forms.Form):
    name = forms.CharField(label="Name <b>", max_length=20,
                           widget=forms.TextInput(attrs={"placeholder": 'a "b" & c'}))
    notes = forms.CharField(label="Notes", required=False, help_text="Say <why>.",
                            widget=forms.Textarea(attrs={"rows": 2}))
    count = forms.IntegerField(label="Count", required=False, min_value=0)
    email = forms.EmailField(label="E-mail", required=False)
    when = forms.DateTimeField(label="When", required=False,
                               widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    agree = forms.BooleanField(label="Agree", required=False)
    hidden = forms.CharField(widget=forms.HiddenInput, required=False)
    colour = forms.ChoiceField(label="Colour", choices=[
        ("", "Any"), ("red", "Red & <hot>"), ("Cool", [("blue", "Blue"), ("green", "Green")])])
    size = forms.TypedChoiceField(label="Size", coerce=int, required=False,
                                  choices=[(1, "Small"), (2, "Large")])
    several = forms.MultipleChoiceField(label="Several", required=False,
                                        choices=[("a", "A"), ("b", "B")])
    radio = forms.ChoiceField(label="Radio", required=False, widget=forms.RadioSelect,
                              choices=[("x", "X"), ("y", "Y")])
    upload = forms.FileField(label="Upload", required=False)


class Recording(WidgetRenderer):
    """Ours, noting the templates it leaves to the template engine."""

    left = set()

    def render(self, template_name, context, request=None):
        html = super().render(template_name, context, request)
        if template_name not in BUILT:
            self.left.add(template_name)
        return html


def _pairs(form):
    """(Django's templates, ours) for each field's label and widget."""
    pairs = []
    for renderer in (DjangoTemplates(), Recording()):
        form.renderer = renderer
        pairs.append([(field.name, field.label_tag(), str(field), field.legend_tag())
                      for field in form])
    return zip(*pairs, strict=True)


DATA = [None,
        {"name": 'x"<y>', "notes": "one\n<two>", "count": "-3", "email": "nope",
         "when": "2026-12-31T23:59", "agree": "on", "hidden": "h&", "colour": "blue",
         "size": "2", "several": ["a", "b"], "radio": "y"},
        {"name": "", "colour": "zzz", "size": "9", "agree": "false"}]


@pytest.mark.parametrize("data", DATA)
@pytest.mark.parametrize("language", ["en", "fr"])
def test_widgets_are_the_templates_markup(data, language):
    with translation.override(language):
        form = Everything(data)
        form.is_valid()
        for theirs, ours in _pairs(form):
            assert ours == theirs
        for field in form:
            assert form_field(field) == render_to_string("includes/field.html",
                                                         {"field": field}), field.name
            assert str(field_input(field)) == str(field), field.name
    # Only the radio list and the file input went through templates.
    assert Recording.left == {"django/forms/widgets/radio.html",
                              "django/forms/widgets/clearable_file_input.html"}


def test_the_ticket_screen_is_the_templates_markup(world):
    from django_tenants.utils import tenant_context

    from tests.tickets.test_tickets import open_for
    from tickets.views import screen_form

    ticket = open_for(world)
    with tenant_context(world.alpha):
        user = world["alpha_admin"].user
        for data in (None, {"status": "nope", "level": "x", "body": "<b>hi</b>",
                            "incident_number": "I" * 90, "assignee": "0"}):
            form = screen_form(ticket, user, data)
            assert {"status", "priority", "assignee", "level", "body"} <= set(form.fields)
            if data:
                assert not form.is_valid()
            for theirs, ours in _pairs(form):
                assert ours == theirs
            for field in form:
                assert form_field(field) == render_to_string("includes/field.html",
                                                             {"field": field}), field.name
        Recording.left.clear()
        bulk = BulkUpdateForm(assignees=[user])
        for theirs, ours in _pairs(bulk):
            assert ours == theirs
        for language in ("en", "fr"):
            with translation.override(language):
                for field in BulkUpdateForm({"status": "closed", "assignee": str(user.pk)},
                                            assignees=[user]):
                    assert str(field_input(field)) == str(field), field.name
                    assert "<option" in field_input(field)
        assert not Recording.left
