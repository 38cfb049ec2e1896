"""Failed logins are counted per account and per client address, so that one attacker
cannot lock a whole portal out. Behind TRUSTED_PROXY_COUNT reverse proxies the client
address is the one the first proxy saw (X-Forwarded-For); with none, the header is the
client's own word and is ignored."""

import pytest
from django.test import Client

from portal.clientip import client_ip
from tests.personas import PASSWORD

LOGIN = "/accounts/login/"


def client_from(forwarded_for=None):
    headers = {"HTTP_X_FORWARDED_FOR": forwarded_for} if forwarded_for else {}
    return Client(HTTP_HOST="alpha.localhost", **headers)


def fail_many_logins(client, count=40):
    """Wrong passwords for as many different addresses: only a per-address count stops it."""
    for number in range(count):
        client.post(LOGIN, {"login": f"nobody{number}@alpha.example", "password": "wrong"})


def logs_in(client, email="agent@alpha.example"):
    response = client.post(LOGIN, {"login": email, "password": PASSWORD})
    return response.status_code == 302


def test_behind_one_trusted_proxy_each_client_is_throttled_on_its_own(world, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    attacker = client_from("203.0.113.7")
    fail_many_logins(attacker)
    assert not logs_in(attacker), "the attacker's own address is throttled"
    assert logs_in(client_from("198.51.100.20")), "another client is not"


def test_without_trusted_proxies_x_forwarded_for_is_ignored(world, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    attacker = client_from("203.0.113.7")
    fail_many_logins(attacker)
    # A forged header changes nothing: the attacker is still throttled.
    assert not logs_in(client_from("198.51.100.20"))


def test_failures_on_one_account_do_not_stop_another_account_from_the_same_address(world):
    office = client_from()
    for _ in range(10):
        office.post(LOGIN, {"login": "agent@alpha.example", "password": "wrong"})
    assert not logs_in(office), "the attacked account waits"
    assert logs_in(client_from(), "admin@alpha.example"), "a colleague logs in"


@pytest.mark.parametrize("count,forwarded,expected", [
    (0, "203.0.113.7", "10.0.0.2"),
    (1, "203.0.113.7", "203.0.113.7"),
    (1, "1.2.3.4, 203.0.113.7", "203.0.113.7"),   # what the client itself wrote is ignored
    (2, "1.2.3.4, 203.0.113.7, 10.0.0.9", "203.0.113.7"),
    (1, "", "10.0.0.2"),
    (2, "203.0.113.7", "10.0.0.2"),                 # fewer hops than proxies: not trusted
    (1, "not-an-address", "10.0.0.2"),
])
def test_the_client_address(rf, settings, count, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = count
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected
