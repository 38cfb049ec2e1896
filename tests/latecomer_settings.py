"""The test settings with one more app, whose migrations arrive late: a partners' app, or
with LATECOMER_SHARED=1 an app of the public schema only."""

import os

from tests.settings import *  # noqa: F403

if os.environ.get("LATECOMER_SHARED") == "1":
    SHARED_APPS = [*SHARED_APPS, "tests.portal.latecomer"]  # noqa: F405
else:
    TENANT_APPS = [*TENANT_APPS, "tests.portal.latecomer"]  # noqa: F405
INSTALLED_APPS = [*INSTALLED_APPS, "tests.portal.latecomer"]  # noqa: F405
MIGRATION_MODULES = {"latecomer": os.environ.get("LATECOMER_MIGRATIONS",
                                                 "tests.portal.latecomer.arrives")}
