"""The ticket list's filters: the customer filter's options, read as values
(`customers_to_pick`), are those its field writes from the customers' instances, and
only the customers the user may see."""

import pytest
from django.http import QueryDict
from django.utils import translation
from django_tenants.utils import tenant_context

from contracts.models import Customer, customers_to_pick
from portal.lists import filter_field
from tickets.filters import TicketFilterSet
from tickets.models import Ticket


def _filters(user, data=None, **given):
    return TicketFilterSet(QueryDict(data) if data else None, queryset=Ticket.objects.all(),
                           user=user, customers=Customer.objects.visible_to(user), **given)


def _customer_select(user, data=None, **given):
    form = _filters(user, data, **given).form
    return str(filter_field(form["customer"]))


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("data", [None, "customer=", "status=open", "customer={first}",
                                  "customer=999999", "customer=nonsense"])
def test_the_customer_options_read_as_values_are_those_of_the_customers(
        world, language, data):
    with tenant_context(world.alpha):
        first = world.customer(world.alpha, "AL-0001")
        odd = world.customer(world.alpha, "AL-0002")
        odd.name = 'Smith & <Sons> "Audio"'
        odd.save()
        user = world["alpha_admin"].user
        data = data.format(first=first.pk) if data else None
        with translation.override(language):
            read = _customer_select(user, data,
                                    customer_options=lambda: customers_to_pick(user))
            built = _customer_select(user, data)
    assert read == built
    assert read.count("<option") == 3
    assert "Smith &amp; &lt;Sons&gt; &quot;Audio&quot; (AL-0002)" in read
    assert ("Tous les clients" if language == "fr" else "All customers") in read


def test_the_customers_to_pick_are_those_the_user_may_see(world):
    with tenant_context(world.alpha):
        for persona in ("alpha_admin", "alpha_agent", "alpha_customer1", "alpha_customer2"):
            user = world[persona].user
            visible = Customer.objects.visible_to(user).order_by("name")
            assert customers_to_pick(user) == [
                {"pk": customer.pk, "name": customer.name, "site_id": customer.site_id}
                for customer in visible], persona


def test_the_forms_classes_kept_hold_nothing_of_a_request(world):
    """The form's class is kept per set of filters: each form gets its own customers and
    its own data, the page's and the API's each their customer's key."""
    with tenant_context(world.alpha):
        first = world.customer(world.alpha, "AL-0001")
        admin = world["alpha_admin"].user
        customer_user = world["alpha_customer1"].user
        page = _filters(admin, f"customer={first.pk}")
        api = _filters(admin, f"customer={first.site_id}", customer_key="site_id",
                       api=True)
        own = _filters(customer_user, "customer=1&status=open")
        nobody = TicketFilterSet(QueryDict(f"customer={first.pk}"),
                                 queryset=Ticket.objects.all(), user=admin,
                                 customers=Customer.objects.none())
        assert page.is_valid() and page.form.cleaned_data["customer"] == first
        assert api.is_valid() and api.form.cleaned_data["customer"] == first
        assert "customer" not in own.form.fields and own.is_valid()
        assert not nobody.is_valid()
        assert type(page.form) is type(_filters(admin).form)
        assert type(api.form) is not type(page.form)
        assert page.form.fields["customer"] is not _filters(admin).form.fields["customer"]
