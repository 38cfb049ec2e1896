"""The search path is set once per connection and then trusted (TENANT_LIMIT_SET_CALLS):
whatever changes it must make the connection set it again, or a partner's statements would
run in another schema."""

import pytest
from django.db import connection, transaction
from django_tenants.utils import tenant_context

from contracts.models import Customer
from portal.tenants.schemas import catalogue_search_path


def current_schemas():
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schemas(false)")
        return cursor.fetchone()[0]


def test_a_block_on_another_schema_that_fails_leaves_the_partners_path(world):
    with tenant_context(world.alpha):
        customers = Customer.objects.count()
        with connection.cursor() as cursor:
            with pytest.raises(ValueError):
                with catalogue_search_path(cursor, "public"):
                    raise ValueError
        assert current_schemas()[0] == world.alpha.schema_name
        assert Customer.objects.count() == customers


def test_a_rolled_back_savepoint_leaves_the_partners_path(world):
    with tenant_context(world.beta):
        Customer.objects.count()
    with tenant_context(world.alpha):
        customers = Customer.objects.count()
        with pytest.raises(ValueError), transaction.atomic():
            with tenant_context(world.beta):
                Customer.objects.count()
            raise ValueError
        assert current_schemas()[0] == world.alpha.schema_name
        assert Customer.objects.count() == customers
