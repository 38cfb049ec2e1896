"""The portal's settings with one extra route for bench/pages.py (never used in production)."""

from portal.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls_tenant"
