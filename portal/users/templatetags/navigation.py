"""`{% main_menu %}`: the menu of base.html (`menu`, from the navigation context processor),
written here: a loop of the template over its twenty entries cost every page more than a
short page's own content."""

from django import template
from django.utils.safestring import SafeString, mark_safe

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
