"""The test settings with one more partner app, whose migrations arrive late."""

import os

from tests.settings import *  # noqa: F403

TENANT_APPS = [*TENANT_APPS, "tests.portal.latecomer"]  # noqa: F405
INSTALLED_APPS = [*INSTALLED_APPS, "tests.portal.latecomer"]  # noqa: F405
MIGRATION_MODULES = {"latecomer": os.environ.get("LATECOMER_MIGRATIONS",
                                                 "tests.portal.latecomer.arrives")}
