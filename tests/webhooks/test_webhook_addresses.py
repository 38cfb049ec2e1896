"""Where deliveries may go in production: globally routable addresses only, IPv6 forms that
carry an IPv4 address included, and to the very address that was checked (a host name that
resolves elsewhere the second time, DNS rebinding, never reaches it)."""

import socket
import threading

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django_tenants.utils import tenant_context

from portal.webhooks import services
from portal.webhooks.models import Delivery, Endpoint

from .test_webhooks import endpoint_for, open_ticket

PUBLIC = "93.184.215.14"


@override_settings(WEBHOOK_ALLOW_PRIVATE_URLS=False)
@pytest.mark.parametrize("host", [
    "[64:ff9b::7f00:1]",                      # NAT64 of 127.0.0.1
    "[64:ff9b::a00:1]",                       # NAT64 of 10.0.0.1
    "[64:ff9b:1::5db8:d70e]",                 # local-use NAT64
    "[2002:7f00:1::]",                        # 6to4 of 127.0.0.1
    "[2002:c0a8:101::1]",                     # 6to4 of 192.168.1.1
    "[::ffff:127.0.0.1]",                     # IPv4-mapped
    "[::ffff:169.254.169.254]",
    "[::7f00:1]",                             # IPv4-compatible 127.0.0.1
    "[2001:0:4136:e378:8000:63bf:80ff:fffe]",  # Teredo, client 127.0.0.1
    "[ff02::1]", "224.0.0.1",                 # multicast
    "100.64.0.1", "192.0.0.171", "[2001:db8::1]",
])
def test_addresses_that_are_not_globally_routable_are_refused(world, host):
    with tenant_context(world.alpha):
        with pytest.raises(ValidationError):
            services.create_endpoint(url=f"https://{host}/hooks", events=["ticket.created"])
        assert not Endpoint.objects.exists()


@override_settings(WEBHOOK_ALLOW_PRIVATE_URLS=False)
@pytest.mark.parametrize("host", ["[64:ff9b::5db8:d70e]", "[2002:5db8:d70e::1]",
                                  "[2606:4700::1111]", PUBLIC])
def test_public_addresses_are_accepted_embedded_ones_included(world, host):
    assert services.url_problem(f"https://{host}/hooks") is None


class Listener:
    """A TCP port on 127.0.0.1 that counts who connects to it."""

    def __init__(self):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            try:
                connection, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            connection.close()


@pytest.fixture
def rebinding(monkeypatch):
    """`rebind.example` answers a public address until `rebind()`, 127.0.0.1 after; every
    connection to the public address is recorded and refused at once."""
    real_getaddrinfo, real_connect = socket.getaddrinfo, socket.create_connection
    state = {"answer": PUBLIC, "lookups": 0, "connected_to": []}

    def getaddrinfo(host, port, *args, **kwargs):
        if host != "rebind.example":
            return real_getaddrinfo(host, port, *args, **kwargs)
        state["lookups"] += 1
        answer = state["answer"]
        if state["lookups"] > state.get("honest_lookups", 10**6):
            answer = "127.0.0.1"
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "",
                 (answer, int(port or 0)))]

    def create_connection(address, *args, **kwargs):
        if address[0] == PUBLIC:
            state["connected_to"].append(address)
            raise ConnectionRefusedError("refused by the test")
        return real_connect(address, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket, "create_connection", create_connection)

    def rebind():
        # The next lookup is the check's; every one after it answers 127.0.0.1.
        state["honest_lookups"] = state["lookups"] + 1

    state["rebind"] = rebind
    return state


@override_settings(WEBHOOK_MAX_ATTEMPTS=1)
@pytest.mark.parametrize("scheme", ["https", "http"])
def test_a_delivery_goes_to_the_checked_address_never_to_a_rebound_one(
        world, rebinding, django_capture_on_commit_callbacks, scheme, request):
    listener = Listener()
    request.addfinalizer(listener.sock.close)
    # http as in development, where private addresses are allowed: still pinned.
    with override_settings(WEBHOOK_ALLOW_PRIVATE_URLS=scheme == "http"):
        endpoint_for(world, f"{scheme}://rebind.example:{listener.port}/hooks")
        rebinding["rebind"]()
        with django_capture_on_commit_callbacks(execute=True):
            open_ticket(world)
    assert listener.connections == 0
    assert rebinding["connected_to"] == [(PUBLIC, listener.port)]
    with tenant_context(world.alpha):
        delivery = Delivery.objects.get()
    assert delivery.status == "failed" and delivery.status_code is None
    assert "refused" in delivery.error
