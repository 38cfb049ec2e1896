"""Under `make run`, a worker killed outright is started again and takes the next task."""

import os
import signal
import tempfile
from pathlib import Path

import pytest

from portal.stack import Supervisor, stop_children

from .conftest import send, wait_for, worker_command, worker_env

pytestmark = pytest.mark.fault


def test_a_killed_worker_is_started_again_and_takes_tasks(redis_server, monkeypatch):
    monkeypatch.setattr(Supervisor, "RESTART_PAUSE", 0)
    supervisor = Supervisor(worker_env(redis_server), {"worker": worker_command()})
    try:
        first = supervisor.children["worker"]
        done = Path(tempfile.mkdtemp()) / "before"
        send(redis_server, "tests.faults.tasks.touch", str(done))
        wait_for(done.exists, 60, "the worker did not take its first task")

        os.killpg(first.pid, signal.SIGKILL)
        wait_for(lambda: first.poll() is not None, 10, "the worker did not die")
        supervisor.restart_stopped()

        second = supervisor.children["worker"]
        assert second is not first and second.poll() is None
        after = done.with_name("after")
        send(redis_server, "tests.faults.tasks.touch", str(after))
        wait_for(after.exists, 60, "the restarted worker took no task")
    finally:
        stop_children(list(supervisor.children.values()))
