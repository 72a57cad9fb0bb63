"""Structured logs (SERVICEDESK_LOG_FORMAT=json): one JSON object a line, carrying the request id of the
request being served (OpsMiddleware) or the id of the Celery task being run, whichever logger wrote it."""

import contextvars
import datetime
import json
import logging
import re
import uuid

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("servicedesk_request_id", default="")
task_id: contextvars.ContextVar[str] = contextvars.ContextVar("servicedesk_task_id", default="")

# An id a proxy or client sent is kept when it is short plain text (it is echoed in a header and logged).
_ACCEPTABLE_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def request_id_from(header: str | None) -> str:
    header = (header or "").strip()
    return header if _ACCEPTABLE_ID.fullmatch(header) else uuid.uuid4().hex


def forget_request(**kwargs) -> None:
    """request_finished: lines logged after the response was sent belong to no request."""
    request_id.set("")


class ContextFilter(logging.Filter):
    """Stamps every record with the current request id and task id (empty outside them)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        record.task_id = task_id.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.datetime.fromtimestamp(record.created, datetime.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in ("request_id", "task_id"):
            value = getattr(record, name, "")
            if value:
                entry[name] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def logging_config(log_format: str, level: str) -> dict:
    """Django's LOGGING: the message alone (the default), or JSON lines with the request and task ids."""
    console = {"class": "logging.StreamHandler"}
    if log_format == "json":
        console.update(filters=["context"], formatter="json")
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"context": {"()": "servicedesk.ops.logs.ContextFilter"}},
        "formatters": {"json": {"()": "servicedesk.ops.logs.JsonFormatter"}},
        "handlers": {"console": console},
        "root": {"handlers": ["console"], "level": level},
    }
