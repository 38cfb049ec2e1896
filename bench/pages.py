"""Latency of the partner dashboard against a bare Django view on the same server.

Needs a database where `manage.py migrate_schemas` and `manage.py seed_demo` have run (as
`make run` leaves it), reached through the same variables as the app:

    DATABASE_URL=postgres://… REDIS_URL=redis://… python bench/pages.py [--requests 200]

It starts gunicorn (settings `bench.settings`: the portal plus a bare view) on a free
local port, signs in as Northwind's demo partner admin, then times sequential requests to
the bare view and to the dashboard, both as that user on northwind.localhost, and prints
the median and 95th percentile of each and the ratio of the medians.
"""

import argparse
import http.client
import os
import re
import socket
import statistics
import subprocess
import sys
import time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

REPO_ROOT = Path(__file__).resolve().parent.parent
HOST = "northwind.localhost"
EMAIL = "admin@northwind-uc.example"
PASSWORD = "polyplus-demo-2026"
BARE_PATH = "/__bench__/bare/"
DASHBOARD_PATH = "/"


class Client:
    """One fresh connection per request, the Host header of the partner, our own cookies."""

    def __init__(self, port, host=HOST):
        self.port, self.host = port, host
        self.cookies = {}

    def request(self, method, path, form=None):
        headers = {"Host": self.host}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            content = response.read()
        finally:
            connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response.status, response.headers, content.decode("utf-8", "replace")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(port, workers):
    env = dict(os.environ)
    env.update({
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DEBUG": "0",
        # The demo admin has no second factor; enforcement would send every page to enrolment.
        "MFA_REQUIRED": "0",
    })
    return subprocess.Popen(
        # Without collectstatic, WhiteNoise warns once per worker about STATIC_ROOT.
        [sys.executable, "-W", "ignore:No directory at:UserWarning",
         "-m", "gunicorn", "portal.wsgi:application",
         "--workers", str(workers), "--bind", f"127.0.0.1:{port}", "--log-level", "warning"],
        cwd=REPO_ROOT, env=env,
    )


def wait_until_serving(server, client, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with status {server.returncode}")
        try:
            status, _, _ = client.request("GET", BARE_PATH)
        except OSError:
            time.sleep(0.2)
            continue
        if status == 200:
            return
        raise SystemExit(f"GET {BARE_PATH} on {HOST} answered {status}: is the demo seeded?")
    raise SystemExit(f"gunicorn did not answer within {timeout}s")


def sign_in(client):
    status, _, html = client.request("GET", "/accounts/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    if status != 200 or token is None:
        raise SystemExit(f"GET /accounts/login/ answered {status} without a CSRF token")
    status, headers, _ = client.request("POST", "/accounts/login/", form={
        "login": EMAIL, "password": PASSWORD, "csrfmiddlewaretoken": token.group(1),
    })
    if status != 302:
        raise SystemExit(f"signing in as {EMAIL} failed ({status}): has seed_demo run?")
    status, headers, _ = client.request("GET", DASHBOARD_PATH)
    if status != 200:
        raise SystemExit(f"GET {DASHBOARD_PATH} answered {status} ({headers.get('Location')})")


def timed(client, path):
    start = time.perf_counter()
    status, _, _ = client.request("GET", path)
    elapsed = (time.perf_counter() - start) * 1000
    if status != 200:
        raise SystemExit(f"GET {path} answered {status}")
    return elapsed


def summary(label, samples):
    median = statistics.median(samples)
    p95 = statistics.quantiles(samples, n=20, method="inclusive")[18]
    print(f"{label:<28} median {median:7.2f} ms   p95 {p95:7.2f} ms")
    return median


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=20, help="untimed requests per page")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    args = parser.parse_args()
    if args.requests < 2:
        parser.error("--requests must be at least 2")

    port = free_port()
    server = start_server(port, args.workers)
    try:
        client = Client(port)
        wait_until_serving(server, client)
        sign_in(client)
        for _ in range(args.warmup):
            timed(client, BARE_PATH)
            timed(client, DASHBOARD_PATH)
        # Alternating keeps any drift of the machine out of the comparison.
        bare, dashboard = [], []
        for _ in range(args.requests):
            bare.append(timed(client, BARE_PATH))
            dashboard.append(timed(client, DASHBOARD_PATH))
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()

    print(f"{args.requests} sequential requests per page after {args.warmup} warm-up, "
          f"gunicorn with {args.workers} workers, Host {HOST}, signed in as {EMAIL}")
    bare_median = summary(f"bare view {BARE_PATH}", bare)
    dashboard_median = summary(f"dashboard {DASHBOARD_PATH}", dashboard)
    print(f"dashboard / bare (medians)   {dashboard_median / bare_median:.2f}x")


if __name__ == "__main__":
    main()
