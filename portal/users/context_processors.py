from django.urls import NoReverseMatch, get_script_prefix, resolve, reverse
from django.utils.translation import gettext_lazy as _

from portal.tenants.branding import on_console

from .models import Role

PORTAL_NAVIGATION = [
    ("dashboard", _("Dashboard")),
    ("ticket_list", _("Tickets")),
    ("rma_list", _("Replacements")),
    ("report_list", _("Reports")),
    ("customer_list", _("Customers")),
    ("contract_list", _("Contracts")),
    ("quote_list", _("Quotes")),
    ("device_list", _("Devices")),
    ("firmware_compliance", _("Firmware")),
    ("downloads", _("Downloads")),
    ("part_lookup", _("Spare parts")),
    ("licence_lookup", _("Licences")),
    ("user_list", _("Users")),
    ("branding_edit", _("Branding")),
    ("webhook_endpoint_list", _("Webhooks")),
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
    key = (urlconf, console, role, get_script_prefix())
    menu = _MENUS.get(key)
    if menu is None:
        menu = []
        for name, label in CONSOLE_NAVIGATION if console else PORTAL_NAVIGATION:
            try:
                path = reverse(name, urlconf=urlconf)
            except NoReverseMatch:
                continue
            if _allowed(path, urlconf, role):
                menu.append((path, label))
        _MENUS[key] = menu
    return menu


def navigation(request):
    """Menu entries the user's role can open, read from the views' own role checks."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"navigation": []}
    urlconf = getattr(request, "urlconf", None)
    entries = [{"url": path, "label": label, "active": _is_active(request.path, path)}
               for path, label in _menu(urlconf, on_console(), user.role)]
    if user.role == Role.CUSTOMER_USER and user.customer_id:
        path = reverse("customer_detail", kwargs={"pk": user.customer_id}, urlconf=urlconf)
        entries.append({"url": path, "label": _("My organisation"),
                        "active": _is_active(request.path, path)})
    return {"navigation": entries}


def _is_active(current, path):
    return current == path if path == "/" else current.startswith(path)
