"""Production settings, checked the way a deployment starts: `manage.py check` in a fresh process.

A subprocess is needed because portal.settings reads the environment once, at import time,
and the suite itself runs on tests.settings.
"""

import os
import secrets
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]

# Only these reach the child: anything else in the caller's environment (DEBUG,
# SECURE_SSL_REDIRECT, pytest-django's DJANGO_SETTINGS_MODULE...) could change the verdict.
PASSED_THROUGH = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT",
                  "DATABASE_URL", "REDIS_URL")


def manage(*args, **env):
    base = {name: os.environ[name] for name in PASSED_THROUGH if name in os.environ}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO_ROOT,
        env={**base, "DJANGO_SETTINGS_MODULE": "portal.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_deploy_check_is_clean_in_production():
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING",
        PRODUCTION="1",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="portal.example.com",
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "no issues" in output


def test_deploy_check_is_clean_with_every_production_variable_of_the_compose_file(tmp_path):
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING",
        PRODUCTION="1",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS=".example.com",
        CSRF_TRUSTED_ORIGINS="https://portal.example.com",
        SENTRY_DSN="http://publickey@127.0.0.1:9/1",
        SENTRY_ENVIRONMENT="production",
        METRICS_TOKEN=secrets.token_urlsafe(32),
        PROMETHEUS_MULTIPROC_DIR=str(tmp_path),
        LOG_FORMAT="json",
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "no issues" in output


def test_production_refuses_to_start_without_secret_key():
    result = manage("check", PRODUCTION="1")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
