"""The ticket list's filters: the customer filter's options, read as values
(`customers_to_pick`), are those its field writes from the customers' instances, and
only the customers the user may see."""

import pytest
from django.http import QueryDict
from django.template import Context, Template
from django.utils import translation
from django_tenants.utils import tenant_context

from contracts.models import Customer, customers_to_pick
from portal.lists import filter_field, filter_fields, labelled_inputs
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


# The lists' loops these tags write, as the templates wrote them.
FILTERS_LOOP = ("{% load lists %}{% for field in form %}<div>{% filter_field field %}</div>"
                "{% endfor %}")
BULK_LOOP = ("{% load lists %}{% for field in form %}<p>{{ field.label_tag }}"
             "{% field_input field %}</p>{% endfor %}")


def _written(loop, form):
    return Template(loop).render(Context({"form": form}))


@pytest.mark.parametrize("language", ["en", "fr"])
def test_a_shared_filter_form_offers_the_users_own_customers(world, language):
    """The unbound form is shared by the lists that offer the same customers, and is
    written as one built from the user's customers for the request."""
    with tenant_context(world.alpha), translation.override(language):
        admin = world["alpha_admin"].user
        agent = world["alpha_agent"].user
        customer_user = world["alpha_customer1"].user

        def shared(user):
            return _filters(user, customer_options=lambda: customers_to_pick(user)).form

        form = shared(admin)
        assert shared(admin) is form and shared(agent) is form
        built = _filters(admin).form
        assert built is not form
        assert filter_fields(form) == _written(FILTERS_LOOP, built)
        assert filter_fields(form) == filter_fields(shared(admin))
        assert "Alpha Customer Two (AL-0002)" in filter_fields(form)

        own = shared(customer_user)
        assert own is not form and "customer" not in own.fields
        assert filter_fields(own) == _written(FILTERS_LOOP, _filters(customer_user).form)

        renamed = world.customer(world.alpha, "AL-0002")
        renamed.name = "Alpha <Renamed>"
        renamed.save()
        after = shared(admin)
        assert after is not form
        assert "Alpha &lt;Renamed&gt; (AL-0002)" in filter_fields(after)
        assert "Alpha Customer Two" not in filter_fields(after)

        bound = _filters(admin, "status=open",
                         customer_options=lambda: customers_to_pick(admin)).form
        assert bound is not after and bound.is_bound
        assert 'value="open" selected' in filter_fields(bound)
    with tenant_context(world.beta), translation.override(language):
        beta_admin = world["beta_admin"].user
        theirs = _filters(beta_admin, customer_options=lambda: customers_to_pick(
            beta_admin)).form
        assert theirs is not after
        assert "Beta Client Un (BE-0001)" in filter_fields(theirs)
        assert "AL-0001" not in filter_fields(theirs)


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_bulk_bar_is_shared_by_the_lists_offering_the_same_assignees(world, language):
    from tickets.forms import BulkUpdateForm
    from tickets.services import assignable_staff
    from tickets.views import bulk_form

    with tenant_context(world.alpha), translation.override(language):
        staff = assignable_staff()
        form = bulk_form(staff)
        assert bulk_form(assignable_staff()) is form
        assert labelled_inputs(form) == _written(BULK_LOOP, BulkUpdateForm(assignees=staff))
        assert ("Garder le responsable" if language == "fr" else "Keep the assignee") \
            in labelled_inputs(form)
        person = staff[0]
        person.first_name = "Renamed"
        person.save()
        after = bulk_form(assignable_staff())
        assert after is not form
        assert f'<option value="{person.pk}">{person.display_name}</option>' \
            in labelled_inputs(after)
        assert bulk_form(assignable_staff()[1:]) is not after
