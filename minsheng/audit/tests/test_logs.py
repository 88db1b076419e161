"""Structured JSON logs, rotated daily and kept LOG_RETENTION_DAYS days (等保 level 3)."""

import datetime as dt
import json
import logging
import logging.config
import logging.handlers
import sys

from django.conf import settings

from minsheng.audit.logs import JsonFormatter, logging_config


def test_a_log_line_is_one_json_object_with_the_extra_fields():
    record = logging.LogRecord("minsheng.audit", logging.INFO, __file__, 7, "audit %s", ("auth.login",), None)
    record.client_ip = "10.1.2.3"
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "audit auth.login"
    assert (entry["level"], entry["logger"], entry["client_ip"]) == ("INFO", "minsheng.audit", "10.1.2.3")
    assert dt.datetime.fromisoformat(entry["time"]).tzinfo is not None


def test_an_exception_is_written_inside_the_json_object():
    try:
        raise ValueError("坏的输入")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    entry = json.loads(JsonFormatter().format(record))
    assert "ValueError: 坏的输入" in entry["exception"]


def test_the_log_file_rotates_daily_and_keeps_the_configured_days(tmp_path):
    config = logging_config(directory=tmp_path, retention_days=180)
    logging.config.dictConfig({**config, "root": {**config["root"], "handlers": ["file"]},
                               "disable_existing_loggers": False})
    try:
        handler = next(h for h in logging.getLogger().handlers
                       if isinstance(h, logging.handlers.TimedRotatingFileHandler))
        assert (handler.when, handler.backupCount) == ("MIDNIGHT", 180)
        logging.getLogger("minsheng.test").warning("写入日志", extra={"case": "FS1"})
        handler.flush()
        line = json.loads((tmp_path / "minsheng.log").read_text(encoding="utf-8").splitlines()[-1])
        assert (line["message"], line["case"]) == ("写入日志", "FS1")
    finally:
        logging.config.dictConfig(settings.LOGGING)


def test_retention_defaults_to_180_days():
    assert settings.LOG_RETENTION_DAYS == 180
