"""Log records that say which request, partner, user and task they belong to, and the JSON
formatter of production's logs (one object a line).

No personal data beyond the user's id: e-mail addresses are masked in every message, and
neither addresses (IP) nor paths with their query strings are logged, only route names.
"""

import json
import logging
import re
from contextvars import ContextVar
from datetime import UTC, datetime

# The request being served by this thread (None outside requests): its id, and the request
# itself for the error reports, which read its partner and user when they are sent.
request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
current_request: ContextVar[object | None] = ContextVar("current_request", default=None)

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
EMAIL_MASK = "[email]"

# Fields a record may carry, in the order they are written.
FIELDS = ("request_id", "partner", "user_id", "method", "route", "status", "duration_ms",
          "task_name", "task_id")


def mask_emails(text: str) -> str:
    return EMAIL.sub(EMAIL_MASK, text)


def current_partner() -> str | None:
    """The schema of the partner whose data this thread works on; None for the vendor's
    public schema, or before Django is set up."""
    try:
        from django.db import connection

        schema = getattr(connection, "schema_name", None)
    except Exception:  # noqa: BLE001 — logging must never fail
        return None
    return None if schema in (None, "public") else schema


def current_task() -> tuple[str | None, str | None]:
    from celery._state import get_current_task

    task = get_current_task()
    if task is None or task.request.id is None:
        return None, None
    return task.name, task.request.id


class ContextFilter(logging.Filter):
    """Adds the request id, partner and task to every record (fields the record already
    has, such as the access line's, are kept)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            # Django's "Not Found" and error lines are written once the middleware is done;
            # they carry the request itself.
            record.request_id = (getattr(getattr(record, "request", None), "request_id", None)
                                 or request_id.get())
        if getattr(record, "partner", None) is None:
            record.partner = current_partner()
        if getattr(record, "task_id", None) is None:
            record.task_name, record.task_id = current_task()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": mask_emails(record.getMessage()),
        }
        for field in FIELDS:
            value = getattr(record, field, None)
            if value is not None:
                entry[field] = value
        if record.exc_info:
            entry["exception"] = mask_emails(self.formatException(record.exc_info))
        return json.dumps(entry, default=str, ensure_ascii=False)


def logging_config(log_format: str, level: str) -> dict:
    """settings.LOGGING: "json" (production) or "text"."""
    formatters = {"json": {"()": "portal.observability.logs.JsonFormatter"},
                  "text": {"format": "%(levelname)s %(name)s %(message)s"}}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"context": {"()": "portal.observability.logs.ContextFilter"}},
        "formatters": {"main": formatters[log_format]},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "main",
                                 "filters": ["context"]}},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "django.db.backends": {"level": "WARNING"},
            # One line per layout step of every PDF otherwise.
            "weasyprint": {"level": "WARNING"},
            # The access line below says the same, with the request's id, partner and user.
            "django.server": {"level": "WARNING"},
        },
    }
