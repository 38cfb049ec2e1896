"""Settings for the test suite: the real databases and broker, faster hashing, eager tasks."""

import os
import tempfile
from pathlib import Path

from portal.settings import *  # noqa: F403

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "KEY_FUNCTION": "django_tenants.cache.make_key",
        "REVERSE_KEY_FUNCTION": "django_tenants.cache.reverse_key",
    }
}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# The browser tests' server turns this off and runs a real worker beside it.
CELERY_TASK_ALWAYS_EAGER = envbool("CELERY_TASK_ALWAYS_EAGER", True)  # noqa: F405
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MFA_REQUIRED = True
# The browser tests' server and worker share the folder their parent gives them.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT") or tempfile.mkdtemp(prefix="portal-test-media-"))
# TEST_STORAGE=s3: files go to a real S3 API server started for the run (tests/s3server.py);
# `make test` runs the tests marked `storage` a second time so.
TEST_STORAGE = os.environ.get("TEST_STORAGE", "local")
if TEST_STORAGE == "s3":
    from tests.s3server import s3_options

    STORAGE_BACKEND = "s3"
    S3_OPTIONS = s3_options()
else:
    STORAGE_BACKEND = "local"
STORAGES = {
    **file_storages(STORAGE_BACKEND, MEDIA_ROOT, S3_OPTIONS),  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Partners' schemas are made from the template on demand; the tests of spare schemas
# ask for them.
PARTNER_SPARE_SCHEMAS = 0
SITE_SCHEME = "http"
SITE_PORT = ""
# The policy is on for the whole suite and the browser tests' server alike (DEBUG or not).
CONTENT_SECURITY_POLICY = True
