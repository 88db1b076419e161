"""Structured logs for a 等保 level-3 review: one JSON object a line, rotated daily, kept N days.

``JsonFormatter`` writes time (ISO 8601 with the zone), level, logger, message, the place in the code,
any ``extra={...}`` fields and the exception. ``logging_config`` is the LOGGING dict the settings use.
"""

import datetime as dt
import json
import logging
import logging.handlers
from pathlib import Path

# Attributes every LogRecord has; anything else on a record came from ``extra=`` and is written out.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": dt.datetime.fromtimestamp(record.created).astimezone().isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "module": record.module,
            "line": record.lineno,
            "process": record.process,
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def retained_file_handler(*, directory, retention_days: int, filename: str = "minsheng.log") -> logging.Handler:
    """A file under ``directory`` rotated at midnight; the oldest rotation beyond ``retention_days`` is deleted."""
    Path(directory).mkdir(parents=True, exist_ok=True)
    return logging.handlers.TimedRotatingFileHandler(
        Path(directory) / filename, when="midnight", backupCount=retention_days, encoding="utf-8", delay=True
    )


def logging_config(*, directory: Path | None, retention_days: int, level: str = "INFO") -> dict:
    """The LOGGING setting: JSON to the console, and to a retained file when ``directory`` is given."""
    handlers: dict = {"console": {"class": "logging.StreamHandler", "formatter": "json"}}
    if directory is not None:
        handlers["file"] = {
            "()": retained_file_handler,
            "directory": directory,
            "retention_days": retention_days,
            "formatter": "json",
        }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": handlers,
        "root": {"handlers": list(handlers), "level": level},
        "loggers": {"django.db.backends": {"level": "WARNING"}},
    }
