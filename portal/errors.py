"""A service's ValidationError shown to the user: on the form that was sent, or as flash
messages. Services raise either {field: messages} or plain messages; views hand the error
here rather than taking it apart themselves."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import BaseForm
from django.http import HttpRequest


def add_to_form(form: BaseForm, error: ValidationError) -> None:
    """Each field's messages on that field when the form has it; the rest (messages about
    no field, or about a field the form does not show) above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def add_to_messages(request: HttpRequest, error: ValidationError, *,
                    one_by_one: bool = False) -> None:
    """The error's messages as one flash message, or as one flash message each."""
    if one_by_one:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.error(request, " ".join(error.messages))
