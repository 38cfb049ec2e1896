"""Settings for the catalogue check: extract messages into a scratch copy of `locale/`."""

import os

from tests.settings import *  # noqa: F403

LOCALE_PATHS = [os.environ["I18N_CHECK_DIR"]]
