"""A service's ValidationError shown on a form or as flash messages (portal.errors)."""

from django import forms
from django.contrib.messages import ERROR
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.test import RequestFactory

from portal.errors import add_to_form, add_to_messages


class TokenForm(forms.Form):
    name = forms.CharField()
    days = forms.IntegerField()


def sent_form():
    form = TokenForm({"name": "Deploy", "days": "30"})
    assert form.is_valid()
    return form


def request_with_messages():
    request = RequestFactory().post("/")
    request._messages = CookieStorage(request)
    return request


def shown(request):
    return [(message.level, message.message) for message in request._messages]


def test_a_field_error_goes_on_its_field():
    form = sent_form()
    add_to_form(form, ValidationError({"name": "Give the token a name."}))
    assert form.errors == {"name": ["Give the token a name."]}
    assert "name" not in form.cleaned_data


def test_an_error_on_a_field_the_form_lacks_goes_above_the_form():
    form = sent_form()
    add_to_form(form, ValidationError({"scope": "Choose read only, or read and write.",
                                       "days": "A token expires after 365 days at most."}))
    assert form.non_field_errors() == ["Choose read only, or read and write."]
    assert form.errors["days"] == ["A token expires after 365 days at most."]


def test_a_plain_message_goes_above_the_form():
    form = sent_form()
    add_to_form(form, ValidationError("Only a draft contract can be changed."))
    assert form.errors == {NON_FIELD_ERRORS: ["Only a draft contract can be changed."]}


def test_a_plain_message_keeps_its_parameters():
    form = sent_form()
    add_to_form(form, ValidationError("%(name)s is not a PDF file.", params={"name": "a.doc"},
                                      code="bad_type"))
    assert form.non_field_errors() == ["a.doc is not a PDF file."]
    assert form.has_error(NON_FIELD_ERRORS, "bad_type")


def test_several_messages_go_above_the_form_in_order():
    form = sent_form()
    add_to_form(form, ValidationError(["The contract covers no category yet.",
                                       "The customer already has an active contract."]))
    assert form.non_field_errors() == ["The contract covers no category yet.",
                                       "The customer already has an active contract."]


def test_a_plain_message_becomes_one_flash_message():
    request = request_with_messages()
    add_to_messages(request, ValidationError("Review the report before publishing it."))
    assert shown(request) == [(ERROR, "Review the report before publishing it.")]


def test_several_messages_become_one_flash_message_by_default():
    request = request_with_messages()
    add_to_messages(request, ValidationError(["The contract covers no category yet.",
                                              "The customer already has an active contract."]))
    assert shown(request) == [
        (ERROR, "The contract covers no category yet. The customer already has an active "
                "contract.")]


def test_several_messages_one_by_one():
    request = request_with_messages()
    add_to_messages(request, ValidationError(["The contract covers no category yet.",
                                              "The customer already has an active contract."]),
                    one_by_one=True)
    assert shown(request) == [(ERROR, "The contract covers no category yet."),
                              (ERROR, "The customer already has an active contract.")]


def test_field_errors_become_flash_messages_too():
    request = request_with_messages()
    add_to_messages(request, ValidationError({"po_number": "Enter your purchase-order number."}))
    assert shown(request) == [(ERROR, "Enter your purchase-order number.")]
