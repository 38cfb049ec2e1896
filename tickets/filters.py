"""The ticket list's filters and sorts, declared once: the page, its CSV export and the API
list all filter through TicketFilterSet. The rules themselves ("open", "breached",
"breaching soon", "escalated") are the queryset's and the services'."""

from dataclasses import dataclass, replace
from functools import partial
from urllib.parse import urlencode

import django_filters
from django.db.models import Q
from django.utils.choices import BaseChoiceIterator
from django.utils.translation import gettext_lazy as _

from contracts.models import Customer
from portal.lists import ListFilters, StatusFilter, in_order_of, reference_q

from .models import Ticket, next_due_expression
from .services import breaching_soon_q


def customer_label(customer):
    return f"{customer.name} ({customer.site_id})"


class CustomerOptions(BaseChoiceIterator):
    """The customer filter's options, as its field's own iterator gives them, from the
    customers read as values (`customers_to_pick`): a page offers every customer the user
    may pick, and building each one's instance cost more than its option."""

    def __init__(self, field, read):
        self.field = field
        self.read = read

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        if self.field.null_label is not None:
            yield (self.field.null_value, self.field.null_label)
        for customer in self.read():
            yield customer["pk"], f"{customer['name']} ({customer['site_id']})"


class TicketFilterSet(ListFilters):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    status = StatusFilter(Ticket.Status)
    priority = django_filters.ChoiceFilter(label=_("Priority"), empty_label=_("All priorities"),
                                           choices=Ticket.Priority.choices)
    sla = django_filters.ChoiceFilter(
        label=_("SLA"), method="filter_sla", empty_label=_("Any SLA state"),
        choices=[("breached", _("Breached")), ("soon", _("Breaching soon"))])
    escalated = django_filters.ChoiceFilter(
        label=_("Escalation"), method="filter_escalated", empty_label=_("Any level"),
        choices=[("yes", _("Escalated to the vendor")), ("no", _("Not escalated"))])
    cloud = django_filters.ChoiceFilter(
        label=_("Cloud partner"), method="filter_cloud", empty_label=_("Any"),
        choices=[("yes", _("With a cloud partner")), *Ticket.CloudPartner.choices])
    # Each form's copy of its field is given the customers the user may pick.
    customer = django_filters.ModelChoiceFilter(label=_("Customer"),
                                                empty_label=_("All customers"),
                                                queryset=Customer.objects.none())
    assignee = django_filters.ChoiceFilter(
        label=_("Assignee"), method="filter_assignee", empty_label=_("Anyone"),
        choices=[("me", _("Assigned to me")), ("none", _("Unassigned"))])
    # The API's: a service desk finding its own ticket again.
    external_reference = django_filters.CharFilter(label=_("External reference"))
    external_system = django_filters.CharFilter(label=_("External system"))

    class Meta:
        model = Ticket
        fields = []

    # Partner staff only: a customer user sees their own organisation's tickets, as sent to
    # whoever handles them.
    STAFF_ONLY = ("customer", "assignee", "escalated", "external_reference",
                  "external_system")

    # The API's only: on the page, the search box finds an external reference.
    API_ONLY = ("external_reference", "external_system")

    # The form's class for each set of filters shown and key of a customer: django-filter
    # makes a class (and its fields) for every filterset, on every request of the list.
    # The fields hold nothing of a request: the customers are given to each form's own
    # copy of its field.
    _form_classes: dict = {}

    def __init__(self, data=None, *args, user, customers, customer_key="pk", now=None,
                 api=False, customer_options=None, **kwargs):
        """`customers`: those the user may pick; `customer_key`: the field that names one
        (the page sends its primary key, the API its Site ID); `customer_options`: when
        the filter is shown, a function reading the same customers' options
        (`customers_to_pick`), which the page reads rather than the customers'
        instances."""
        super().__init__(data, *args, **kwargs)
        self.user, self.now = user, now
        self.customers, self.customer_key = customers, customer_key
        self.customer_options = customer_options
        hidden = set(self.STAFF_ONLY if user.is_customer_user else ())
        hidden |= set() if api else set(self.API_ONLY)
        for name in hidden:
            del self.filters[name]
        if "customer" in self.filters:
            self.filters["customer"].extra["to_field_name"] = customer_key

    def form_key(self):
        if "customer" not in self.filters:
            return (tuple(self.filters),)
        if self.customer_options is None:
            return None
        # The customers offered are the user's: the same options, the same form.
        return (tuple(self.filters), self.customer_key, *(
            (customer["pk"], customer["name"], customer["site_id"])
            for customer in self._options()))

    def _options(self):
        options = self.__dict__.get("_customer_options_read")
        if options is None:
            options = self._customer_options_read = self.customer_options()
        return options

    def new_form(self):
        form = super().new_form()
        if "customer" in self.filters:
            field = form.fields["customer"]
            field.queryset = self.customers.order_by("name")
            field.label_from_instance = customer_label
            if self.customer_options is not None:
                options = self._options()
                field.iterator = partial(CustomerOptions, read=lambda: options)
                field.widget.choices = field.choices
        return form

    def get_form_class(self):
        key = (tuple(self.filters), self.customer_key)
        form_class = self._form_classes.get(key)
        if form_class is None:
            form_class = self._form_classes.setdefault(key, super().get_form_class())
        return form_class

    def search(self, tickets, name, value):
        query = value.strip()
        if not query:
            return tickets
        match = (Q(subject__icontains=query) | Q(customer__site_id__icontains=query)
                 | Q(customer__name__icontains=query)
                 | Q(cloud_incident_number__icontains=query)
                 | Q(external_reference__iexact=query))
        return tickets.filter(match | reference_q(query, "T-"))

    def filter_sla(self, tickets, name, value):
        if value == "breached":
            return tickets.breached(self.now)
        return tickets.filter(breaching_soon_q(self.now))

    def filter_escalated(self, tickets, name, value):
        if value == "yes":
            return tickets.escalated()
        return tickets.filter(escalation_level=Ticket.Level.PARTNER)

    def filter_cloud(self, tickets, name, value):
        if value == "yes":
            return tickets.exclude(cloud_partner="")
        return tickets.filter(cloud_partner=value)

    def filter_assignee(self, tickets, name, value):
        if value == "me":
            return tickets.filter(assignee=self.user)
        return tickets.filter(assignee__isnull=True)


# The page's sortable columns. Most urgent first when sorted by SLA due: the due instant of
# the target that comes next (the list's own order), earliest first, tickets whose clock is
# stopped last; the workflow's own order for statuses.
TICKET_SORTS = {
    "sla_due": next_due_expression(),
    "priority": "priority",
    "opened": "created_at",
    "status": in_order_of("status", Ticket.Status.values),
    "customer": "customer__name",
    "assignee": "assignee__first_name",
}


@dataclass(frozen=True)
class Preset:
    """A view of the queue: a tab that sets the list's filters."""

    key: str
    label: str
    params: dict
    staff_only: bool = False
    current: bool = False

    @property
    def query(self):
        return urlencode(self.params)


PRESETS = [
    Preset("open", _("All open"), {"status": "open"}),
    Preset("mine", _("Mine"), {"status": "open", "assignee": "me"}, staff_only=True),
    Preset("unassigned", _("Unassigned"), {"status": "open", "assignee": "none"},
           staff_only=True),
    Preset("escalated", _("Escalated"), {"status": "open", "escalated": "yes"},
           staff_only=True),
    Preset("soon", _("Breaching soon"), {"sla": "soon"}),
    Preset("waiting", _("Waiting on customer"), {"status": "waiting"}),
]


def presets_of(user, params):
    """The views `user` has, the one matching the list's filters (`params`) marked."""
    filters = {key: value for key, value in params.items()
               if value and key not in ("sort", "page", "format")}
    return [replace(preset, current=preset.params == filters) for preset in PRESETS
            if not (preset.staff_only and user.is_customer_user)]
