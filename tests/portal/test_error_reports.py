"""Error reports when SENTRY_DSN is set: a page that fails sends an event, tagged with the
partner and the user's id, and no e-mail address anywhere in it. The portal runs in a
process of its own (the SDK patches Django for the whole process) and reports to a real
HTTP receiver standing in for the service."""

import gzip
import json
import os
import subprocess
import sys
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.db import connection

from tests.browser.conftest import database_url

REPO_ROOT = Path(__file__).resolve().parents[2]

FAILING_PAGE = """
import django
django.setup()
import sentry_sdk
from django.test import Client
from django_tenants.utils import tenant_context
from portal.tenants import context_processors
from portal.tenants.models import Partner
from portal.users.models import User

def branding(request):
    raise RuntimeError(f"no branding for {request.user.email}")

context_processors.branding = branding
partner = Partner.objects.get(slug="alpha")
client = Client(HTTP_HOST=partner.primary_domain, raise_request_exception=False)
with tenant_context(partner):
    user = User.objects.get(email="admin@alpha.example")
    client.force_login(user)
status = client.get("/").status_code
sentry_sdk.flush(timeout=10)
print(status, user.pk)
"""


class Receiver:
    """Keeps the body of every request it receives, decompressed."""

    def __init__(self):
        bodies = self.bodies = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                encoding = self.headers.get("Content-Encoding", "")
                if encoding == "gzip":
                    body = gzip.decompress(body)
                elif encoding == "deflate":
                    body = zlib.decompress(body)
                elif encoding == "br":
                    import brotli

                    body = brotli.decompress(body)
                bodies.append(body.decode())
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.dsn = f"http://publickey@127.0.0.1:{self.server.server_port}/1"

    def events(self):
        """The events among the envelopes' items (one JSON document a line)."""
        found = []
        for body in self.bodies:
            for line in body.splitlines():
                try:
                    item = json.loads(line)
                except ValueError:
                    continue
                if isinstance(item, dict) and "exception" in item:
                    found.append(item)
        return found

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    receiver = Receiver()
    yield receiver
    receiver.close()


def test_a_failing_page_is_reported_with_partner_and_user_id_without_email(world, receiver):
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="portal.settings", SENTRY_DSN=receiver.dsn,
               DATABASE_URL=database_url(connection.settings_dict), MFA_REQUIRED="0")
    result = subprocess.run([sys.executable, "-c", FAILING_PAGE], cwd=REPO_ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    status, user_id = result.stdout.split()[-2:]
    assert status == "500"
    [event] = receiver.events()
    assert event["tags"]["partner"] == "alpha"
    assert event["tags"]["user_id"] == user_id
    assert event["exception"]["values"][-1]["value"] == "no branding for [email]"
    everything = "\n".join(receiver.bodies)
    assert "admin@alpha.example" not in everything
    assert "@alpha.example" not in everything
