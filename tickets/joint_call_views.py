"""Joint calls with the cloud partner, recorded on a ticket's cloud-partner incident."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.errors import add_to_messages
from portal.submissions.once import created, sent_once
from portal.users.access import PARTNER_STAFF, role_required

from . import services
from .forms import JointCallForm, JointCallOutcomeForm
from .services import tickets_visible_to


def _card(ticket):
    return reverse("ticket_detail", args=[ticket.pk]) + "#joint-calls"


def _form_errors(form):
    return ValidationError([f"{form.fields[name].label}: {error}" if name in form.fields
                            else str(error)
                            for name, errors in form.errors.items() for error in errors])


@role_required(*PARTNER_STAFF)
@require_POST
@sent_once
def joint_call_add(request, pk):
    ticket = get_object_or_404(tickets_visible_to(request.user), pk=pk)
    form = JointCallForm(request.POST)
    try:
        if not form.is_valid():
            raise _form_errors(form)
        call = services.record_joint_call(ticket, user=request.user, **{
            name: value for name, value in form.cleaned_data.items() if name != "form_token"})
    except ValidationError as error:
        add_to_messages(request, error)
    else:
        created(request, call)
        messages.success(request, _("The joint call with the cloud partner is recorded."))
    return redirect(_card(ticket))


@role_required(*PARTNER_STAFF)
@require_POST
def joint_call_outcome(request, pk, call_pk):
    ticket = get_object_or_404(tickets_visible_to(request.user), pk=pk)
    call = get_object_or_404(ticket.joint_calls, pk=call_pk)
    form = JointCallOutcomeForm(request.POST)
    try:
        if not form.is_valid():
            raise _form_errors(form)
        services.record_joint_call_outcome(call, outcome=form.cleaned_data["outcome"])
    except ValidationError as error:
        add_to_messages(request, error)
    else:
        messages.success(request, _("The outcome of the joint call is recorded."))
    return redirect(_card(ticket))
