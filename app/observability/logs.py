"""Logging: one JSON object per line (LOG_FORMAT=json) or human-readable text (LOG_FORMAT=text),
for the service's own lines and uvicorn's alike.

Structured fields travel in a record's `fields` (``logger.info("request", extra={"fields":
{...}})``). Free text (messages, exceptions) is scrubbed of anything shaped like an email
address, a JWT, a bearer credential or a password hash before it is written: the code never logs
those on purpose, and this keeps a mistake or a library's message from leaking one. Only a
record marked `composed` (the request line, whose message the service builds from the route
template, the method and the status) skips that scrub.

A line per request is on the hot path, so records skip what no format here prints: the caller's
file and line, thread and process names.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import sys
from typing import Any, Literal

from pydantic_core import to_json
from sqlalchemy.exc import DBAPIError

REDACTIONS = (
    (re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), "[email]"),
    (re.compile(r"\beyJ[\w-]*\.[\w-]+\.[\w-]*"), "[token]"),
    (re.compile(r"(?i)\b(bearer)\s+[\w.~+/=-]+"), r"\1 [token]"),
    (re.compile(r"\$argon2\w*\$[^\s'\"]+"), "[password hash]"),
)
UVICORN_LOGGERS = ("uvicorn", "uvicorn.error")
"""uvicorn's own loggers, which then write through the service's handler."""
ACCESS_LOGGER = "uvicorn.access"
"""uvicorn's access log, replaced by app.observability.telemetry's request line (it would write
query strings, where a search may carry an email address)."""
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
COMPOSED_FROM = frozenset({"method", "route", "status"})
"""The fields a request line's message is made of (left out of its text form)."""


def describe_error(exc: BaseException) -> str:
    """An error for the log: its type and the first line of the driver's message, without the
    SQL, its parameters or PostgreSQL's DETAIL line (which quotes the offending values)."""
    cause = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    lines = str(cause).strip().splitlines()
    return f"{type(cause).__name__}: {lines[0] if lines else ''}"


def redact(text: str) -> str:
    """``text`` without email addresses, JWTs, bearer credentials or password hashes."""
    for pattern, replacement in REDACTIONS:
        text = pattern.sub(replacement, text)
    return text


def _fields(record: logging.LogRecord) -> dict[str, Any]:
    fields: dict[str, Any] | None = getattr(record, "fields", None)
    return fields or {}


class JsonFormatter(logging.Formatter):
    """A record as one line of JSON: time, level, logger, message, its fields, the exception."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        line: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": message if getattr(record, "composed", False) else redact(message),
        }
        line.update(_fields(record))
        if record.exc_info:
            line["exception"] = redact(self.formatException(record.exc_info))
        return to_json(line, fallback=str).decode()


class TextFormatter(logging.Formatter):
    """A record as a readable line: time, level, logger, message, then its fields as key=value."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def formatMessage(self, record: logging.LogRecord) -> str:
        text = redact(super().formatMessage(record))
        fields = _fields(record)
        if getattr(record, "composed", False):  # the request line: its message says these
            fields = {k: v for k, v in fields.items() if k not in COMPOSED_FROM}
        if fields:
            text += " " + " ".join(f"{key}={value}" for key, value in fields.items())
        return text

    def formatException(self, ei: Any) -> str:
        return redact(super().formatException(ei))


class ServiceHandler(logging.StreamHandler[Any]):
    """The handler the service installs on the root logger (told apart from others by type)."""


def formatter_for(log_format: Literal["json", "text"]) -> logging.Formatter:
    """The formatter of a LOG_FORMAT."""
    return JsonFormatter() if log_format == "json" else TextFormatter()


def configure_logging(level: str, log_format: Literal["json", "text"]) -> None:
    """Write the root logger's records to stderr in ``log_format``, uvicorn's included.

    When the root logger already has handlers of someone else (a test runner's), they are left
    alone and nothing is added, as logging.basicConfig does.
    """
    logging._srcfile = None  # no caller lookup per record (logging's documented optimization)
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    root = logging.getLogger()
    root.setLevel(level)
    ours = [handler for handler in root.handlers if isinstance(handler, ServiceHandler)]
    if not root.handlers:
        ours = [ServiceHandler(sys.stderr)]
        root.addHandler(ours[0])
    for handler in ours:
        handler.setFormatter(formatter_for(log_format))
    for name in UVICORN_LOGGERS:
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
    access = logging.getLogger(ACCESS_LOGGER)
    access.handlers.clear()
    access.propagate = False  # no handler anywhere: uvicorn then skips its access line entirely
