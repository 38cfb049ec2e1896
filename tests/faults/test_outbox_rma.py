"""A replacement requested while Redis is down: the page answers as usual, the replacement
is saved, and its e-mails and webhooks go out once when Redis is back."""

import pytest
from django_tenants.utils import tenant_context

from tickets.models import Rma

from .conftest import back_with_a_worker, post_as, sent_e_mails, sweep, waiting_tasks

pytestmark = pytest.mark.fault

SEND_EMAIL = "portal.tenants.tasks.send_email"


def test_a_replacement_requested_while_redis_is_down_notifies_once_it_is_back(
        redis_server, portal_env, world, committed_customer, webhook_receiver, tmp_path):
    env, mail_dir = portal_env
    redis_server.stop()

    status, location = post_as(env, "/rma/new/", {
        "site_id": "AL-FAULT", "serial": "FAULT-0001", "fault": "No sound in the left ear"})
    assert status == 302
    with tenant_context(world.alpha):
        rma = Rma.objects.get(customer=committed_customer)
    assert location == f"/rma/{rma.pk}/"
    assert rma.status == Rma.Status.REQUESTED
    e_mails = [task for task in waiting_tasks() if task.task == SEND_EMAIL]
    assert e_mails
    assert webhook_receiver.received == []

    with back_with_a_worker(redis_server, env, tmp_path / "worker.log"):
        assert len(sent_e_mails(mail_dir)) == len(e_mails)
        assert sorted(webhook_receiver.events()) == ["rma.status_changed", "ticket.created"]
        assert sweep(env) == 0
        assert len(webhook_receiver.received) == 2
