"""Structured logging: JSON lines (the default) or readable console lines, one setup for all."""

from __future__ import annotations

import json
import logging
import logging.config
from datetime import UTC, datetime
from typing import Any

from hub.core.settings import Settings

# Attributes every LogRecord has; anything else was passed with `extra=` and is logged as a field.
_STANDARD = frozenset(
    logging.LogRecord("", 0, "", 0, "", None, None).__dict__.keys()
    | {"message", "asctime", "color_message", "taskName"}
)
# Field names that must never reach a log line, whatever a caller passes in `extra=`.
_REDACTED = frozenset({"password", "token", "secret", "authorization", "cookie", "email", "phone"})


def _fields(record: logging.LogRecord) -> dict[str, Any]:
    extra: dict[str, Any] = {}
    for key, value in record.__dict__.items():
        if key in _STANDARD or key.startswith("_"):
            continue
        extra[key] = "[redacted]" if key.lower() in _REDACTED else value
    return extra


class FirstLineOnly(logging.Filter):
    """Cut a record's message to its first line.

    Strawberry logs GraphQL errors with the query source, whose inline arguments may hold
    passwords or client details; the first line names the error without them.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the message in place; never drop the record."""
        record.msg = record.getMessage().split("\n", 1)[0][:500]
        record.args = None
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and the record's extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        """Render a record as a JSON line."""
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(_fields(record))
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


class ConsoleFormatter(logging.Formatter):
    """`time level logger: message key=value ...` for people reading a terminal."""

    def format(self, record: logging.LogRecord) -> str:
        """Render a record as one readable line."""
        when = datetime.fromtimestamp(record.created, UTC).strftime("%H:%M:%S")
        pairs = " ".join(f"{k}={v}" for k, v in _fields(record).items())
        line = f"{when} {record.levelname:<7} {record.name}: {record.getMessage()}"
        line = f"{line} {pairs}" if pairs else line
        if record.exc_info:
            line = f"{line}\n{self.formatException(record.exc_info)}"
        return line


def logging_config(settings: Settings) -> dict[str, Any]:
    """A `logging.config.dictConfig` for the settings (uvicorn applies it in every worker)."""
    formatter = JsonFormatter if settings.log_format == "json" else ConsoleFormatter
    level = settings.log_level.upper()
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"hub": {"()": f"{formatter.__module__}.{formatter.__qualname__}"}},
        "filters": {"first_line": {"()": f"{__name__}.FirstLineOnly"}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "hub",
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"level": level, "handlers": ["stderr"]},
        "loggers": {
            # The hub writes its own access log (hub.access) with route templates, not raw paths.
            "uvicorn.access": {"level": "WARNING", "propagate": True, "handlers": []},
            "uvicorn": {"level": level, "propagate": True, "handlers": []},
            "uvicorn.error": {"level": level, "propagate": True, "handlers": []},
            # Readiness probes open a migration context each time; its INFO lines are noise.
            "alembic.runtime.migration": {"level": "WARNING"},
            "strawberry.execution": {"filters": ["first_line"]},
            # httpx logs every request's full URL at INFO: webhook URLs may carry their owner's
            # secrets in the query, and a test client's /r/<token> would carry a link token.
            "httpx": {"level": "WARNING"},
            "httpcore": {"level": "WARNING"},
            "httpx2": {"level": "WARNING"},  # httpx's successor, under Starlette's TestClient
        },
    }


def configure_logging(settings: Settings) -> None:
    """Apply the logging configuration to this process."""
    logging.config.dictConfig(logging_config(settings))
