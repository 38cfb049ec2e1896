"""A real worker against a real Redis server that the test stops and starts again."""

import tempfile
import time
from pathlib import Path

import pytest

from .conftest import send, wait_for

pytestmark = pytest.mark.fault


def test_a_busy_worker_outlives_a_redis_restart_and_takes_new_tasks(redis_server, worker):
    done = Path(tempfile.mkdtemp()) / "first"
    send(redis_server, "tests.faults.tasks.touch", str(done))
    wait_for(done.exists, 60, "the worker did not take its first task")

    # The worker holds an unacknowledged task while Redis goes away and comes back.
    send(redis_server, "tests.faults.tasks.nap", 6)
    time.sleep(1)
    redis_server.stop()
    time.sleep(3)
    redis_server.start()

    after = done.with_name("after")
    send(redis_server, "tests.faults.tasks.touch", str(after))
    wait_for(after.exists, 60, "the worker took no task after Redis came back")
    assert worker.poll() is None, worker.log.read_text()[-3000:]
    assert "Unrecoverable error" not in worker.log.read_text()
