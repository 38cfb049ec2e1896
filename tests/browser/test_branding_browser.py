"""The branding page in a real Chromium: the colour picker and its hex field stay in step
(static/js/branding.js), and the Preview draws the form's colours without saving them."""

import pytest

from tests.browser.test_csp_browser import sign_in_with_code
from tests.browser.test_login_browser import chromium_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db]


def background(page, selector):
    return page.eval_on_selector(selector, "element => getComputedStyle(element).backgroundColor")


def test_the_picker_and_the_hex_field_follow_each_other_and_the_preview_shows_them(
        portal_server):
    host = "alpha.localhost"
    with chromium_page() as page:
        sign_in_with_code(page, portal_server.url(host, "/accounts/login/"), "alpha",
                          "admin@alpha.example")
        page.goto(portal_server.url(host, "/branding/"))
        picker = page.locator("input[data-colour-for=id_primary_colour]")
        assert picker.is_visible()  # shown by the script; hidden without it
        page.fill("#id_primary_colour", "0A3D62")
        assert picker.input_value() == "#0a3d62"
        picker.evaluate("element => { element.value = '#8a4b00';"
                        " element.dispatchEvent(new Event('input')); }")
        assert page.input_value("#id_primary_colour") == "#8a4b00"

        page.click("button[name=preview]")
        page.wait_for_load_state("networkidle")
        assert "Preview of your changes" in page.inner_text("body")
        assert background(page, ".brand-preview__topbar") == "rgb(138, 75, 0)"
        # The page's own header keeps the saved colour (#123456).
        assert background(page, "body > header.topbar") == "rgb(18, 52, 86)"
