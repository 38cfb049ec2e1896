from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsoleConfig(AppConfig):
    name = "console"
    label = "console"
    verbose_name = _("Vendor console")

    def ready(self):
        from . import notifications  # noqa: F401 — connects its receivers
