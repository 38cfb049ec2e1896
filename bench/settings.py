"""The portal's settings with one extra route on each side for bench/pages.py and
bench/tenants.py (never used in production)."""

from portal.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls_tenant"
PUBLIC_SCHEMA_URLCONF = "bench.urls_public"
