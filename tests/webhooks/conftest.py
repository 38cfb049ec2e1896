"""A real HTTP receiver for webhook deliveries, and the fixtures other apps' tests share."""

import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from tests.inventory.conftest import alpha_contract, catalogue  # noqa: F401 (shared fixtures)
from tests.reporting.conftest import reported  # noqa: F401 (shared fixtures)
from tests.tickets.conftest import setup  # noqa: F401 (shared fixtures)


class Receiver:
    """A real HTTP server on 127.0.0.1 that answers with the codes it is given."""

    def __init__(self, codes=(200,)):
        self.codes, self.requests = list(codes), []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), body))
                code = receiver.codes.pop(0) if len(receiver.codes) > 1 else receiver.codes[0]
                self.send_response(code)
                if code in (301, 302):
                    self.send_header("Location", "http://169.254.169.254/latest/meta-data")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    made = []

    def make(codes=(200,)):
        made.append(Receiver(codes))
        return made[-1]

    yield make
    for server in made:
        server.close()


