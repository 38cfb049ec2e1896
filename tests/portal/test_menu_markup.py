"""`{% main_menu %}` writes the menu as base.html's loop over `menu` did, character for
character, in English and in French, with a group and an entry of the open page marked."""

import pytest
from django.template import engines
from django.utils import translation

from portal.users.templatetags.navigation import main_menu

TEMPLATE_LOOP = (
    '{% for item in menu %}{% if item.entries %}<details class="nav__group'
    '{% if item.active %} is-active{% endif %}">\n'
    "            <summary>{{ item.label }}</summary>\n"
    '            <div class="nav__submenu">{% for entry in item.entries %}<a href="{{ entry.url }}"'
    '{% if entry.active %} class="is-active" aria-current="page"{% endif %}>{{ entry.label }}</a>'
    "{% endfor %}</div>\n"
    "          </details>{% else %}<a href=\"{{ item.url }}\"{% if item.active %} "
    'class="is-active" aria-current="page"{% endif %}>{{ item.label }}</a>{% endif %}{% endfor %}')


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize(("persona", "path"), [("alpha_admin", "/users/"),
                                               ("alpha_admin", "/tickets/"),
                                               ("alpha_customer1", "/"),
                                               ("vendor_admin", "/")])
def test_the_menu_is_the_templates_markup(world, persona, path, language):
    menu = world[persona].client().get(path).context["menu"]
    with translation.override(language):
        ours = main_menu({"menu": menu})
        theirs = engines["django"].from_string(TEMPLATE_LOOP).render({"menu": menu})
    assert ours == theirs
    assert 'aria-current="page"' in ours

