"""`{% main_menu %}`: the menu of base.html (`menu`, from the navigation context processor),
written here: a loop of the template over its twenty entries cost every page more than a
short page's own content."""

from functools import lru_cache

from django import template
from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import dateformat
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import template_localtime
from django.utils.translation import get_language, gettext

from portal.formats import colon
from portal.lists import html

register = template.Library()

CURRENT = mark_safe(' class="is-active" aria-current="page"')


def _link(entry):
    return html('<a href="{}"{}>{}</a>', entry["url"], CURRENT if entry["active"] else "",
                entry["label"])


@register.simple_tag(takes_context=True)
def main_menu(context):
    items = []
    for item in context.get("menu", ()):
        if item.get("entries"):
            items.append(html(
                '<details class="nav__group{}">\n'
                "            <summary>{}</summary>\n"
                '            <div class="nav__submenu">{}</div>\n'
                "          </details>",
                mark_safe(" is-active") if item["active"] else "", item["label"],
                SafeString("".join(map(_link, item["entries"])))))
        else:
            items.append(_link(item))
    return SafeString("".join(items))


# --- The page's header and footer, as templates/includes/page_{header,footer}.html write
# them: every page draws both, and as templates they cost a short page more than its own
# content.

@lru_cache(maxsize=64)
def _chrome_urls(urlconf, script_prefix):
    return {name: reverse(name) for name in (
        "branding_logo", "branding_logo_dark", "profile", "mfa_index", "account_logout",
        "set_language")}


def _urls():
    return _chrome_urls(get_urlconf(), get_script_prefix())


def _csrf_input(context):
    token = context.get("csrf_token")
    if not token or token == "NOTPROVIDED":
        return ""
    return html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', token)


def _version(brand):
    return dateformat.format(template_localtime(brand.updated_at), "Uu") \
        if brand.updated_at else ""


@register.simple_tag(takes_context=True)
def page_header(context):
    brand, user, urls = context.get("brand"), context.get("user"), _urls()
    logo = ""
    if brand and brand.header_logo_is_dark:
        logo = html('<img src="{}?v={}" alt="" class="brand__logo--on-dark">',
                    urls["branding_logo_dark"], _version(brand))
    elif brand and brand.logo:
        logo = html('<img src="{}?v={}" alt="">', urls["branding_logo"], _version(brand))
    programme = (gettext("Vendor console") if context.get("on_console")
                 else gettext("Poly+ Enterprise support"))
    signed_in = ""
    if user is not None and user.is_authenticated:
        signed_in = html(
            "\n      \n"
            '      <button type="button" class="menu-button" aria-expanded="false" '
            'aria-controls="site-menu" hidden>{}</button>\n'
            '      <div class="topbar__menu" id="site-menu">\n'
            '        <nav class="nav" aria-label="{}">\n'
            "          {}\n"
            "        </nav>\n"
            '        <details class="nav__group usermenu">\n'
            "          <summary>{}</summary>\n"
            '          <div class="nav__submenu">\n'
            '            <a href="{}">{}</a>\n'
            '            <a href="{}">{}</a>\n'
            '            <form method="post" action="{}">{}<button type="submit" '
            'class="linklike">{}</button></form>\n'
            "          </div>\n"
            "        </details>\n"
            "      </div>\n      ",
            gettext("Menu"), gettext("Main"), main_menu(context), user.display_name,
            urls["profile"], gettext("My profile"), urls["mfa_index"], gettext("Security"),
            urls["account_logout"], _csrf_input(context), gettext("Log out"))
    return html(
        '<header class="topbar">\n'
        '    <div class="topbar__inner">\n'
        '      <a class="brand" href="/">\n'
        "        {}\n"
        '        <span>{}<span class="brand__programme">{}</span></span>\n'
        "      </a>\n"
        "      {}\n"
        "    </div>\n"
        "  </header>",
        logo, brand.name if brand else "", programme, signed_in)


@register.simple_tag(takes_context=True)
def page_footer(context):
    brand, request = context.get("brand"), context.get("request")
    support = ""
    if brand and (brand.support_phone or brand.support_email):
        phone = html('<a href="tel:{}">{}</a>', brand.support_phone, brand.support_phone) \
            if brand.support_phone else ""
        email = html('<a href="mailto:{}">{}</a>', brand.support_email,
                     brand.support_email) if brand.support_email else ""
        support = html("{}{}\n          {}\n          {}\n        ", gettext("Support"),
                       colon(), phone, email)
    current = get_language()
    buttons = "".join(
        html('\n          <button type="submit" name="language" value="{}" class="linklike"{}>'
             "{}</button>\n        ", code,
             mark_safe(' aria-current="true"') if code == current else "",
             "Français" if code == "fr" else "English")
        for code, _name in settings.LANGUAGES)
    return html(
        '<footer class="footer">\n'
        '    <div class="footer__inner">\n'
        "      <span>\n"
        "        {}\n"
        "      </span>\n"
        '      <form method="post" action="{}">\n'
        "        {}\n"
        '        <input type="hidden" name="next" value="{}">\n'
        "        \n"
        "        {}\n"
        "      </form>\n"
        "    </div>\n"
        "  </footer>",
        support, _urls()["set_language"], _csrf_input(context),
        request.get_full_path() if request is not None else "", SafeString(buttons))
