"""Content-Security-Policy: every answer names its own origin only, a fresh nonce per
request and never 'unsafe-inline'; no page relies on inline scripts or style attributes,
which the policy would refuse (the browser tests watch for refusals in Chromium)."""

import re
import secrets
from datetime import date
from decimal import Decimal

import pytest
from django.test import Client

from reporting.charts import category_charts
from reporting.report_figures import Trend
from tests.portal.test_deploy_settings import manage

CONSOLE_PAGES = {"vendor_admin": ["/", "/partners/", "/partners/alpha/",
                                  "/partners/alpha/branding/", "/catalogue/", "/staff/",
                                  "/profile/"],
                 "csm": ["/customers/", "/reports/"],
                 "support_engineer": ["/escalations/", "/replacements/"]}
PARTNER_PAGES = {"alpha_admin": ["/", "/customers/", "/contracts/", "/devices/",
                                 "/devices/register/", "/tickets/", "/tickets/new/", "/rma/",
                                 "/rma/new/", "/reports/", "/users/", "/branding/",
                                 "/webhooks/", "/profile/", "/profile/tokens/",
                                 "/lookup/downloads/"],
                 "alpha_customer1": ["/", "/devices/", "/tickets/"]}
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>")


def directives(response):
    policy = response["Content-Security-Policy"]
    return dict((part.split(" ", 1) + [""])[:2] for part in policy.split("; "))


def test_a_page_names_only_its_own_origin_and_a_nonce(world):
    response = world["alpha_agent"].client().get("/")
    policy = directives(response)
    assert policy["default-src"] == "'self'"
    nonce = response.wsgi_request.csp_nonce
    assert policy["script-src"] == f"'self' 'nonce-{nonce}'"
    assert policy["style-src"] == f"'self' 'nonce-{nonce}'"
    assert policy["img-src"] == "'self' data:"
    assert policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["base-uri"] == "'self'"
    assert policy["form-action"] == "'self'"
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]
    assert not any(re.search(r"https?:|\*", value) for value in policy.values())


def test_the_nonce_differs_from_one_request_to_the_next(world):
    client = Client(HTTP_HOST="alpha.localhost")
    nonces = {directives(client.get("/accounts/login/"))["script-src"] for _ in range(3)}
    assert len(nonces) == 3


def test_the_console_and_the_login_page_carry_the_policy_too(world):
    for client in (world["vendor_admin"].client(), Client(HTTP_HOST="beta.localhost")):
        response = client.get("/accounts/login/")
        assert directives(response)["default-src"] == "'self'"


def test_the_policy_can_be_switched_off(world, settings):
    settings.CONTENT_SECURITY_POLICY = False
    response = Client(HTTP_HOST="alpha.localhost").get("/accounts/login/")
    assert "Content-Security-Policy" not in response


def test_production_turns_the_policy_on():
    result = manage("shell", "-c", "from django.conf import settings; "
                    "print('policy', settings.CONTENT_SECURITY_POLICY)",
                    PRODUCTION="1", SECRET_KEY=secrets.token_urlsafe(64),
                    ALLOWED_HOSTS="portal.example.com")
    assert "policy True" in result.stdout, result.stdout + result.stderr


@pytest.mark.parametrize("pages", [CONSOLE_PAGES, PARTNER_PAGES], ids=["console", "partner"])
def test_no_page_has_an_inline_script_or_style(world, pages):
    for persona, paths in pages.items():
        client = world[persona].client()
        for path in paths:
            response = client.get(path)
            assert response.status_code == 200, (persona, path)
            html = response.content.decode()
            assert " style=" not in html, (persona, path)
            assert "<style" not in html, (persona, path)
            assert not INLINE_SCRIPT.search(html), (persona, path)
            assert " hx-on" not in html and " onclick=" not in html, (persona, path)


def test_the_trend_chart_draws_with_attributes_not_styles():
    trend = Trend(months=[date(2026, month, 1) for month in range(1, 13)],
                  series={"headsets": [10] * 12, "video": [None] * 6 + [3] * 6})
    charts = category_charts(trend, baselines={"headsets": Decimal("9.45")}, primary="#123456")
    assert [chart.category for chart in charts] == ["headsets", "video"]
    for chart in charts:
        assert "style=" not in chart.svg
        assert 'fill="#123456"' in chart.svg  # the brand's colour on the points


def test_the_brand_colours_come_from_a_stylesheet_of_the_portal(world):
    page = world["alpha_agent"].client().get("/").content.decode()
    link = re.search(r'href="(/branding/colours\.css\?v=\d+)"', page)
    assert link, "the page links its brand's stylesheet"
    alpha = Client(HTTP_HOST="alpha.localhost").get(link.group(1))
    assert alpha.status_code == 200
    assert alpha["Content-Type"].startswith("text/css")
    assert "--brand-primary: #123456" in alpha.content.decode()
    assert "public" in alpha["Cache-Control"]
    beta = Client(HTTP_HOST="beta.localhost").get("/branding/colours.css").content.decode()
    assert "--brand-primary: #654321" in beta and "#123456" not in beta
    console = world["vendor_admin"].client().get("/branding/colours.css")
    assert console.status_code == 200 and "--brand-primary: #" in console.content.decode()
