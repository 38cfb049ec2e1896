"""Settings for the Poly+ Enterprise partner portal.

Every value that differs between a laptop and production comes from the environment;
production and development differ only by variables.
"""

import os
from decimal import Decimal
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from portal.observability.logs import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name, default=False):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def envint(name, default):
    value = os.environ.get(name)
    return int(value) if value else default


def envlist(name, default):
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


PRODUCTION = envbool("PRODUCTION")
DEBUG = envbool("DEBUG", not PRODUCTION)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if PRODUCTION:
        raise RuntimeError("SECRET_KEY must be set when PRODUCTION is on.")
    SECRET_KEY = "development-only-key-never-used-in-production-0123456789abcdef"

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["localhost", ".localhost", "127.0.0.1"])
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [])

# Links in e-mails point at a partner's own domain; these complete the URL.
SITE_SCHEME = os.environ.get("SITE_SCHEME", "https" if PRODUCTION else "http")
SITE_PORT = os.environ.get("SITE_PORT", "")

SHARED_APPS = [
    "django_tenants",
    "portal.tenants",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_countries",
    # Templates and static files of the API's documentation page (no models).
    "ninja",
    "simple_history",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "portal.users",
    "console",
    "portal.catalogue",
    # The site itself: the partner dashboard, the API root and demo seeding (no models).
    "portal.site",
    # Every partner's queued tasks, in one table (see portal/outbox/models.py).
    "portal.outbox",
    # Creating forms' one-time tokens (in the public schema: the vendor console's forms).
    "portal.submissions",
    # The console's index of every partner's queues, one table per queue (see its models).
    "portal.consoleindex",
]

# Users, sessions and allauth's tables live in every schema: a partner's users exist
# only in that partner's schema, so credentials and session keys never cross partners.
TENANT_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "portal.users",
    "contracts",
    "inventory",
    "tickets",
    "reporting",
    "portal.webhooks",
    "portal.api",
    "portal.submissions",
]

INSTALLED_APPS = SHARED_APPS + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "tenants.Partner"
TENANT_DOMAIN_MODEL = "tenants.Domain"
PUBLIC_SCHEMA_NAME = "public"
PUBLIC_SCHEMA_URLCONF = "portal.urls_public"
ROOT_URLCONF = "portal.urls_tenant"
SHOW_PUBLIC_IF_NO_TENANT_FOUND = False
# The search path is set once per connection and schema, not before every statement: it
# doubled the round trips of every page. A rollback or a schema switch sets it again.
TENANT_LIMIT_SET_CALLS = True
# Schemas made ahead of time for the next onboardings (portal/tenants/template.py): a new
# partner's schema is then one renamed. 0 makes every schema from the template on demand.
PARTNER_SPARE_SCHEMAS = envint("PARTNER_SPARE_SCHEMAS", 2)

MIDDLEWARE = [
    # /healthz, /readyz and /metrics: on every host, before the partner is looked up.
    "portal.site.health.HealthMiddleware",
    # The request id and one access line per request (JSON in production).
    "portal.observability.requests.RequestLogMiddleware",
    "django_tenants.middleware.main.TenantMainMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Same-origin resources only, no inline script or style (portal/csp.py).
    "portal.csp.ContentSecurityPolicyMiddleware",
    # Signed-in users' and API tokens' answers are never cached (portal/nostore.py).
    "portal.nostore.PrivateNoStoreMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "portal.tenants.middleware.LanguageMiddleware",
    # Under /api/: problems for unknown paths, 405s and unreadable bodies; RateLimit-*.
    "portal.api.middleware.ApiProblemMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "portal.users.middleware.MFARequiredMiddleware",
    # A Redis or broker error that still escapes a view: 503 with Retry-After, not 500.
    "portal.unavailable.UnavailableMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.csp.nonce",
                "portal.tenants.context_processors.branding",
                "portal.users.context_processors.navigation",
            ],
            # {% load lists %}: the status badge of the list pages (portal.lists).
            "libraries": {"lists": "portal.lists", "formats": "portal.formats"},
        },
    },
]

# Common widgets written in Python, as their templates write them (portal.widgets).
FORM_RENDERER = "portal.widgets.WidgetRenderer"

WSGI_APPLICATION = "portal.wsgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal"),
        conn_max_age=envint("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
DATABASES["default"]["ENGINE"] = "django_tenants.postgresql_backend"
# A form's choice list is read with .iterator(), which otherwise opens a server-side cursor:
# three round trips where one does, and no use behind a pooler in transaction mode. The CSV
# exports read their rows in chunks of their own.
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
# The hot reads of portal/prepared.py are prepared statements of their connection. A pooler
# in transaction mode must keep them (PgBouncer 1.21+, max_prepared_statements); else off.
DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = (
    0 if envbool("DB_PREPARED_STATEMENTS", True) else None)
DATABASE_ROUTERS = ["django_tenants.routers.TenantSyncRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")

CACHES = {
    "default": {
        # Redis, with a cache of the process standing in while Redis is down.
        "BACKEND": "portal.cache.FallbackRedisCache",
        "LOCATION": REDIS_URL,
        # An unreachable Redis is noticed in a second, not after the system's TCP timeout.
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
        "KEY_FUNCTION": "django_tenants.cache.make_key",
        "REVERSE_KEY_FUNCTION": "django_tenants.cache.reverse_key",
        "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "portal"),
    }
}

AUTH_USER_MODEL = "users.User"
AUTHENTICATION_BACKENDS = [
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24 * 7  # invitations use the same tokens: a week

LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "account_login"

# django-allauth
ACCOUNT_ADAPTER = "portal.users.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_PRESERVE_USERNAME_CASING = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
# A password reset for an address without an account sends nothing (anyone may type any
# address); the page answers as for a known one.
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False
# Reverse proxies in front of the web server that append the client's address to
# X-Forwarded-For (docker-compose.yml's TLS proxy: 1). Login throttling and the API's rate
# limit count by the address the first of them saw (portal/clientip.py); with 0 the header
# is ignored, as anyone may send it.
TRUSTED_PROXY_COUNT = envint("TRUSTED_PROXY_COUNT", 0)
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT
# Failed logins count per account first: an account under attack waits five minutes, and
# the attempts it refuses meanwhile do not use up its address's allowance, so colleagues
# behind the same office address still log in. Per address, 20 a minute stops one client
# from trying many accounts. (A refused limit stops the count of those after it.)
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "5/5m/key,20/m/ip",
    "reset_password": "5/m/key,20/m/ip",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
}
MFA_ADAPTER = "portal.users.adapter.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Poly+ Enterprise"

# Roles that must enrol a second factor before they can use the portal. The demo
# (`make run`) switches enforcement off so its logins open straight away.
MFA_REQUIRED = envbool("MFA_REQUIRED", True)

SESSION_COOKIE_NAME = "portal_session"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 12
CSRF_COOKIE_HTTPONLY = True

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "portal_language"
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / ".data" / "media"))
MEDIA_URL = "/media/"
MULTITENANT_RELATIVE_MEDIA_ROOT = "%s"


def file_storages(backend, media_root, s3_options=None):
    """Where uploaded and generated files live: "local" (folders under media_root) or "s3"
    (one bucket of an S3-compatible store, shared by web and workers on any host).

    Every key of a partner's file starts with the partner's schema name ("default": the
    schema being served is the first segment; "root": names are whole keys, as logos'
    names start with their partner's schema); the vendor's catalogue files start with
    "catalogue/", a reserved slug. Both backends use the same keys (a key is the path
    under media_root), so `manage.py move_files_to_storage` copies the folder as it is."""
    if backend == "s3":
        # Private objects: no ACL is sent (the bucket's own, private, applies); files are
        # streamed by the views that check who asks, never linked to.
        # A file read is held in a temporary file that spills to disk past 10 MB (the
        # default keeps it all in memory: software releases are large).
        options = {"default_acl": None, "querystring_auth": True, "querystring_expire": 60,
                   "file_overwrite": False, "max_memory_size": 10 * 1024 * 1024,
                   **(s3_options or {})}
        return {
            "default": {"BACKEND": "portal.storage.PartnerS3Storage", "OPTIONS": options},
            "root": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options},
            "catalogue": {"BACKEND": "storages.backends.s3.S3Storage",
                          "OPTIONS": {**options, "location": "catalogue"}},
        }
    if backend != "local":
        raise RuntimeError(f"STORAGE_BACKEND must be local or s3, not {backend!r}.")
    filesystem = "django.core.files.storage.FileSystemStorage"
    return {
        "default": {"BACKEND": "django_tenants.files.storage.TenantFileSystemStorage"},
        "root": {"BACKEND": filesystem, "OPTIONS": {"location": media_root}},
        "catalogue": {"BACKEND": filesystem, "OPTIONS": {"location": media_root / "catalogue"}},
    }


STORAGE_BACKEND = os.environ.get("STORAGE_BACKEND", "local")
S3_OPTIONS = {
    "bucket_name": os.environ.get("AWS_STORAGE_BUCKET_NAME", ""),
    # Unset for Amazon S3 itself; the store's URL otherwise (MinIO, Ceph, Scaleway...).
    "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
    "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
    # Unset: boto3's own lookup (instance role, ~/.aws, AWS_* variables).
    "access_key": os.environ.get("AWS_ACCESS_KEY_ID") or None,
    "secret_key": os.environ.get("AWS_SECRET_ACCESS_KEY") or None,
    "addressing_style": os.environ.get("AWS_S3_ADDRESSING_STYLE") or None,
}
if STORAGE_BACKEND == "s3" and not S3_OPTIONS["bucket_name"]:
    raise RuntimeError("STORAGE_BACKEND=s3 needs AWS_STORAGE_BUCKET_NAME.")
STORAGES = {
    **file_storages(STORAGE_BACKEND, MEDIA_ROOT, S3_OPTIONS),
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION

FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# Customers' signed authorisation letters for cloud-partner incidents (PDF or scan).
AUTHORISATION_LETTER_MAX_BYTES = envint("AUTHORISATION_LETTER_MAX_BYTES", 10 * 1024 * 1024)

# Branding
BRANDING_LOGO_MAX_BYTES = envint("BRANDING_LOGO_MAX_BYTES", 512 * 1024)
BRANDING_LOGO_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif",
                       "WEBP": "image/webp"}
# WCAG AA for normal text: the branding page warns below it (white on the primary colour,
# the accent on white).
BRANDING_MIN_CONTRAST = 4.5
VENDOR_BRANDING = {
    "name": "Poly+ Enterprise",
    "primary_colour": "#0b1f3a",
    "accent_colour": "#e4002b",
    "support_email": os.environ.get("VENDOR_SUPPORT_EMAIL", "support@polyplus.example"),
    "support_phone": os.environ.get("VENDOR_SUPPORT_PHONE", "+1 800 555 0199"),
    "email_sender_name": "Poly+ Enterprise",
    "default_language": "en",
}

# E-mail
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH")
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS")
EMAIL_FROM_ADDRESS = os.environ.get("EMAIL_FROM_ADDRESS", "no-reply@polyplus.example")
DEFAULT_FROM_EMAIL = f"Poly+ Enterprise <{EMAIL_FROM_ADDRESS}>"
# The envelope sender's (Return-Path's) domain when a partner sends from its own address:
# bounces come back to the vendor's servers, as bounces+<partner>@<domain>. Empty: the
# envelope sender is the From address itself.
EMAIL_ENVELOPE_DOMAIN = os.environ.get("EMAIL_ENVELOPE_DOMAIN", "")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Monthly reports: a report task that fails (a cut database connection, a bug) is tried
# again this many times, waiting base × 2^attempt seconds (capped), then recorded as
# failed on its run, so that every run ends.
REPORT_TASK_MAX_RETRIES = envint("REPORT_TASK_MAX_RETRIES", 5)
REPORT_TASK_RETRY_BACKOFF = envint("REPORT_TASK_RETRY_BACKOFF", 10)
REPORT_TASK_RETRY_BACKOFF_MAX = envint("REPORT_TASK_RETRY_BACKOFF_MAX", 10 * 60)

# Celery

def _broker_url(redis_url):
    # redis-py speaks unix:// (the embedded server's socket); kombu wants redis+socket://.
    if redis_url.startswith("unix://"):
        return "redis+socket://" + redis_url.removeprefix("unix://").split("?")[0]
    return redis_url


CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or _broker_url(REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = envbool("CELERY_TASK_ALWAYS_EAGER")
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_QUEUE", "celery")
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
# A task handed to the workers is handed over again when it has not finished within its
# lease (a vanished worker, a lost message), and given up after so many hand-overs.
OUTBOX_LEASE_SECONDS = envint("OUTBOX_LEASE_SECONDS", 300)
OUTBOX_MAX_HANDOVERS = envint("OUTBOX_MAX_HANDOVERS", 5)
# How often beat hands over again what waits (and gives up on what was handed over too often).
OUTBOX_SWEEP_SECONDS = envint("OUTBOX_SWEEP_SECONDS", 60)
# Tasks that have run are kept this long (a redelivered one is recognised and skipped).
OUTBOX_KEEP_DONE_HOURS = envint("OUTBOX_KEEP_DONE_HOURS", 24)
# What a request that cannot do without Redis tells to wait before trying again (503).
UNAVAILABLE_RETRY_AFTER_SECONDS = envint("UNAVAILABLE_RETRY_AFTER_SECONDS", 30)
CELERY_BEAT_SCHEDULE = {
    "hand-over-pending-tasks": {
        "task": "portal.outbox.tasks.hand_over_pending",
        "schedule": OUTBOX_SWEEP_SECONDS,
    },
    "purge-done-tasks": {
        "task": "portal.outbox.tasks.purge_done_tasks",
        "schedule": 60 * 60,
    },
    "monthly-reports": {
        "task": "reporting.tasks.queue_monthly_reports",
        "schedule": crontab(day_of_month="1", hour="2", minute="0"),
    },
    "expire-ended-contracts": {
        "task": "contracts.tasks.expire_ended_contracts",
        "schedule": 60 * 60,
    },
    "record-sla-breaches": {
        "task": "tickets.tasks.record_sla_breaches",
        "schedule": 5 * 60,
    },
    "remind-defective-unit-returns": {
        "task": "tickets.tasks.remind_defective_unit_returns",
        "schedule": 24 * 60 * 60,
    },
    "clear-expired-sessions": {
        "task": "portal.users.tasks.clear_expired_sessions",
        "schedule": 60 * 60 * 6,
    },
    "purge-idempotency-keys": {
        "task": "portal.api.tasks.purge_idempotency_keys",
        "schedule": 60 * 60,
    },
    "purge-webhook-deliveries": {
        "task": "portal.webhooks.tasks.purge_webhook_deliveries",
        "schedule": 24 * 60 * 60,
    },
    "purge-form-tokens": {
        "task": "portal.submissions.tasks.purge_form_tokens",
        "schedule": 60 * 60,
    },
}

# Content-Security-Policy (portal/csp.py): on unless DEBUG, whose error pages inline styles.
CONTENT_SECURITY_POLICY = envbool("CONTENT_SECURITY_POLICY", not DEBUG)

# Production hardening: `manage.py check --deploy` is clean when PRODUCTION is on.
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_REFERRER_POLICY = "same-origin"
    X_FRAME_OPTIONS = "DENY"

# Logs: one JSON object a line in production (LOG_FORMAT=json), with the request id,
# partner, user id, route, status and duration of each request, and the task's name and id
# in the workers; no personal data beyond the user's id.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "json" if PRODUCTION else "text")
LOGGING = logging_config(LOG_FORMAT, os.environ.get("LOG_LEVEL", "INFO"))
# The workers log through LOGGING too, so their lines are JSON as well.
CELERY_WORKER_HIJACK_ROOT_LOGGER = LOG_FORMAT != "json"

# Error reports (Sentry or a compatible service) when SENTRY_DSN is set.
SENTRY_DSN = os.environ.get("SENTRY_DSN", "")
if SENTRY_DSN:
    from portal.observability import errors

    errors.init(SENTRY_DSN, os.environ.get("SENTRY_ENVIRONMENT", ""),
                float(os.environ.get("SENTRY_TRACES_SAMPLE_RATE", "0")))

# /readyz gives each part (PostgreSQL, Redis, storage) this long to answer.
READINESS_TIMEOUT_SECONDS = float(os.environ.get("READINESS_TIMEOUT_SECONDS", "3"))
# /metrics answers only `Authorization: Bearer <METRICS_TOKEN>` (404 otherwise, and while
# it is empty).
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")

# Rules of the Poly+ Enterprise programme (SPEC §5, §8, §9), read through portal.programme.
PROGRAMME = {
    # baseline = ordered × (1 + allowance)
    "BASELINE_ALLOWANCE": "0.05",
    # a true-up is due when actual ≥ ordered × (1 + threshold)
    "TRUE_UP_THRESHOLD": "0.05",
    # above this share of the contracted headset base, headset RMAs are chargeable
    "HEADSET_RMA_THRESHOLD": "0.05",
}

# Service tickets (SPEC §7): a resolved or closed ticket may be reopened for this many days.
TICKET_REOPEN_DAYS = envint("TICKET_REOPEN_DAYS", 14)

# Response and resolution targets per priority, in minutes of the priority's clock:
# "24x7" counts every minute, "business" only the partner's support hours on working days
# that are not public holidays in the customer's country.
TICKET_SLA = {
    "P1": {"clock": "24x7", "response": 60, "resolution": 4 * 60},
    "P2": {"clock": "24x7", "response": 4 * 60, "resolution": 24 * 60},
    "P3": {"clock": "business", "response": 8 * 60, "resolution": 3 * 8 * 60},
    "P4": {"clock": "business", "response": 2 * 8 * 60, "resolution": 5 * 8 * 60},
}
# A ticket whose next target falls within this many minutes is "breaching soon".
TICKET_SLA_WARNING_MINUTES = envint("TICKET_SLA_WARNING_MINUTES", 4 * 60)
TICKET_ATTACHMENT_MAX_BYTES = envint("TICKET_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)

# Advance replacements (SPEC §8): requests after this local time of the ship-to customer
# ship one business day later; a reminder goes out when the defective unit is this late.
RMA_ORDER_CUTOFF = os.environ.get("RMA_ORDER_CUTOFF", "15:00")
RMA_RETURN_REMINDER_DAYS = envint("RMA_RETURN_REMINDER_DAYS", 10)

# Poly Lens imports (SPEC §6): a full export that would mark as not seen, or change, more
# than this share of the customer's active devices stops at a preview that the uploader
# confirms or discards (exactly this share still applies at once).
LENS_IMPORT_REVIEW_SHARE = Decimal(os.environ.get("LENS_IMPORT_REVIEW_SHARE", "0.10"))

# Webhooks: signed deliveries to partners' own tools, retried with doubling waits. Outside
# development only https to public addresses is allowed (no requests into our networks).
WEBHOOK_ALLOW_PRIVATE_URLS = envbool("WEBHOOK_ALLOW_PRIVATE_URLS", not PRODUCTION)
WEBHOOK_MAX_ATTEMPTS = envint("WEBHOOK_MAX_ATTEMPTS", 6)
WEBHOOK_RETRY_SECONDS = envint("WEBHOOK_RETRY_SECONDS", 30)
WEBHOOK_TIMEOUT_SECONDS = envint("WEBHOOK_TIMEOUT_SECONDS", 10)
# The delivery log (every attempt) keeps this many days; a daily task forgets the rest.
WEBHOOK_LOG_RETENTION_DAYS = envint("WEBHOOK_LOG_RETENTION_DAYS", 30)
# Serial numbers one device event lists at the most (a bulk registration is split into
# events of this many devices; a Lens import's lists stop there and say so).
WEBHOOK_DEVICES_PER_EVENT = envint("WEBHOOK_DEVICES_PER_EVENT", 1000)

# JSON API (/api/v1/ on every partner portal): requests per token (or per signed-in user)
# and period ("120/min", "5000/hour"); how long personal tokens may live; how long a
# creating request's Idempotency-Key is remembered.
API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "120/min")
API_TOKEN_MAX_DAYS = envint("API_TOKEN_MAX_DAYS", 365)
API_IDEMPOTENCY_HOURS = envint("API_IDEMPOTENCY_HOURS", 24)
# How long a creating form's one-time token is remembered: sent again within this time, the
# form creates nothing and shows what it created the first time.
FORM_TOKEN_HOURS = envint("FORM_TOKEN_HOURS", 24)

# Dashboards: how far ahead a contract's end is flagged, and how old a customer's latest
# Lens import may be before the partner administrator is reminded of it.
DASHBOARD_CONTRACTS_ENDING_DAYS = envint("DASHBOARD_CONTRACTS_ENDING_DAYS", 90)
DASHBOARD_LENS_IMPORT_STALE_DAYS = envint("DASHBOARD_LENS_IMPORT_STALE_DAYS", 31)
