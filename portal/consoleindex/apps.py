from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsoleIndexConfig(AppConfig):
    name = "portal.consoleindex"
    label = "consoleindex"
    verbose_name = _("Console index")
