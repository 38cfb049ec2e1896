"""A webhook delivery queued while Redis is down: the change that calls for it succeeds, the
delivery waits, and once Redis is back a real worker posts it to the partner's endpoint
once and marks it delivered."""

import pytest
from django_tenants.utils import tenant_context

from portal.webhooks.models import Delivery

from .conftest import TICKET_SUBJECT, back_with_a_worker, post_as, sweep

pytestmark = pytest.mark.fault


def test_a_webhook_queued_while_redis_is_down_is_delivered_once_it_is_back(
        redis_server, portal_env, world, webhook_receiver, ticket_form, tmp_path):
    env, _mail_dir = portal_env
    redis_server.stop()

    assert post_as(env, "/tickets/new/", ticket_form)[0] == 302
    with tenant_context(world.alpha):
        delivery = Delivery.objects.get(endpoint=webhook_receiver.endpoint)
    assert delivery.status == Delivery.Status.PENDING
    assert webhook_receiver.received == []

    with back_with_a_worker(redis_server, env, tmp_path / "worker.log"):
        assert webhook_receiver.events() == ["ticket.created"]
        assert webhook_receiver.received[0][1]["data"]["subject"] == TICKET_SUBJECT
        with tenant_context(world.alpha):
            delivery.refresh_from_db()
        assert delivery.status == Delivery.Status.DELIVERED
        assert (delivery.attempts, delivery.status_code) == (1, 204)
        assert sweep(env) == 0
        assert len(webhook_receiver.received) == 1
