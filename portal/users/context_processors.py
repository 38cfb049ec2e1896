from django.urls import NoReverseMatch, get_script_prefix, resolve, reverse
from django.utils.translation import gettext_lazy as _

from portal.tenants.branding import on_console

from .models import Role

# An entry is a route and its label, or a group: its label and its entries, shown as one
# submenu so that the top level stays one short row.
PORTAL_NAVIGATION = [
    ("dashboard", _("Dashboard")),
    ("ticket_list", _("Tickets")),
    ("rma_list", _("Replacements")),
    ("report_list", _("Reports")),
    ("customer_list", _("Customers")),
    ("contract_list", _("Contracts")),
    ("quote_list", _("Quotes")),
    ("device_list", _("Devices")),
    (_("Resources"), [
        ("firmware_compliance", _("Firmware")),
        ("downloads", _("Downloads")),
        ("part_lookup", _("Spare parts")),
        ("licence_lookup", _("Licences")),
    ]),
    (_("Settings"), [
        ("user_list", _("Users")),
        ("branding_edit", _("Branding")),
        ("webhook_endpoint_list", _("Webhooks")),
        ("api_token_list", _("API tokens")),
    ]),
]
CONSOLE_NAVIGATION = [
    ("dashboard", _("Dashboard")),
    ("console_partner_list", _("Partners")),
    ("console_my_customers", _("My customers")),
    ("escalation_queue", _("Escalations")),
    ("console_rma_list", _("Replacements")),
    ("console_report_list", _("Reports")),
    ("console_quote_list", _("Quotes")),
    ("catalogue_product_list", _("Catalogue")),
    ("user_list", _("Vendor staff")),
]


def _allowed(path, urlconf, role):
    roles = getattr(resolve(path, urlconf=urlconf).func, "allowed_roles", None)
    return roles is not None and role in roles


# The menu of a role depends only on the routes, which do not change while the process
# runs: worked out once per site, role and URL prefix rather than on every page.
_MENUS: dict = {}


def _menu(urlconf, console, role):
    """[(path, label) or (group label, [(path, label), ...])]: a group the role can open
    nothing of is left out."""
    key = (urlconf, console, role, get_script_prefix())
    menu = _MENUS.get(key)
    if menu is None:
        menu = []
        for name, label in CONSOLE_NAVIGATION if console else PORTAL_NAVIGATION:
            if isinstance(label, list):
                entries = _entries(label, urlconf, role)
                if entries:
                    menu.append((name, entries))
            else:
                menu.extend(_entries([(name, label)], urlconf, role))
        _MENUS[key] = menu
    return menu


def _entries(routes, urlconf, role):
    entries = []
    for name, label in routes:
        try:
            path = reverse(name, urlconf=urlconf)
        except NoReverseMatch:
            continue
        if _allowed(path, urlconf, role):
            entries.append((path, label))
    return entries


def navigation(request):
    """The menu of the user's role, read from the views' own role checks: `menu` as the
    page shows it (entries and groups of entries), `navigation` every entry in its order."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"navigation": [], "menu": []}
    urlconf = getattr(request, "urlconf", None)
    menu = []
    for path_or_group, label_or_entries in _menu(urlconf, on_console(), user.role):
        if isinstance(label_or_entries, list):
            entries = [_entry(request, path, label) for path, label in label_or_entries]
            menu.append({"label": path_or_group, "entries": entries,
                         "active": any(entry["active"] for entry in entries)})
        else:
            menu.append(_entry(request, path_or_group, label_or_entries))
    if user.role == Role.CUSTOMER_USER and user.customer_id:
        path = reverse("customer_detail", kwargs={"pk": user.customer_id}, urlconf=urlconf)
        menu.append(_entry(request, path, _("My organisation")))
    navigation = []
    for item in menu:
        navigation.extend(item.get("entries", [item]))
    return {"navigation": navigation, "menu": menu}


def _entry(request, path, label):
    return {"url": path, "label": label, "active": _is_active(request.path, path)}


def _is_active(current, path):
    return current == path if path == "/" else current.startswith(path)
