"""A ticket opened while Redis is down: the page answers as usual, the ticket is saved, and
its e-mails wait in the database until Redis is back; then a real worker sends them once."""

import time

import pytest
from django_tenants.utils import tenant_context

from tickets.models import Ticket

from .conftest import (
    TICKET_SUBJECT,
    back_with_a_worker,
    post_as,
    sent_e_mails,
    sweep,
    waiting_tasks,
)

pytestmark = pytest.mark.fault


def test_a_ticket_opened_while_redis_is_down_sends_its_e_mails_once_it_is_back(
        redis_server, portal_env, world, ticket_form, tmp_path):
    env, mail_dir = portal_env
    redis_server.stop()

    assert post_as(env, "/tickets/new/", ticket_form)[0] == 302
    with tenant_context(world.alpha):
        assert Ticket.objects.filter(subject=TICKET_SUBJECT).exists()
    waiting = waiting_tasks()
    e_mails = [task for task in waiting if task.task == "portal.tenants.tasks.send_email"]
    assert e_mails

    with back_with_a_worker(redis_server, env, tmp_path / "worker.log"):
        sent = sent_e_mails(mail_dir)
        assert len(sent) == len(e_mails)
        # Swept again, nothing is handed over twice, and no e-mail goes out twice.
        assert sweep(env) == 0
        time.sleep(2)
        assert sent_e_mails(mail_dir) == sent
