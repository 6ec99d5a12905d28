"""The log formats: JSON lines with structured fields, readable text, and the redaction of
anything shaped like an email address, a JWT, a bearer credential or a password hash."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from app.observability.logs import (
    JsonFormatter,
    ServiceHandler,
    TextFormatter,
    configure_logging,
    redact,
)

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"


def record(
    message: str, *args: object, fields: dict[str, object] | None = None
) -> logging.LogRecord:
    made = logging.LogRecord("app.test", logging.WARNING, __file__, 1, message, args, None)
    if fields is not None:
        made.fields = fields
    return made


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("user alice.o+x@mail.example.org signed in", "user [email] signed in"),
        (f"token {JWT} refused", "token [token] refused"),
        ("Authorization: Bearer abc.DEF-123_~+/=", "Authorization: Bearer [token]"),
        ("hash $argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA done", "hash [password hash] done"),
        ("GET /api/v1/users/5 200 in 3 ms", "GET /api/v1/users/5 200 in 3 ms"),
    ],
)
def test_redact(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_a_json_line_has_time_level_logger_message_and_fields() -> None:
    line = json.loads(
        JsonFormatter().format(record("%s signed in", "bob@example.com", fields={"status": 200}))
    )
    assert line["level"] == "WARNING"
    assert line["logger"] == "app.test"
    assert line["message"] == "[email] signed in"
    assert line["status"] == 200
    assert line["time"].endswith("+00:00")


def test_exceptions_are_one_json_line_and_redacted() -> None:
    try:
        raise ValueError("carol@example.com is taken")
    except ValueError:
        failed = record("failed")
        failed.exc_info = sys.exc_info()
    text = JsonFormatter().format(failed)
    assert "\n" not in text
    line = json.loads(text)
    assert "ValueError: [email] is taken" in line["exception"]


def test_text_lines_are_readable_with_their_fields() -> None:
    formatter = TextFormatter()
    line = formatter.format(record("GET /x %s", 200, fields={"request_id": "r1", "status": 200}))
    assert line.endswith("WARNING app.test GET /x 200 request_id=r1 status=200")


@contextmanager
def bare_root() -> Iterator[logging.Logger]:
    """The root logger without handlers (pytest's included) for a while, then restored."""
    root = logging.getLogger()
    saved, level = root.handlers[:], root.level
    root.handlers.clear()
    yield root
    root.handlers[:] = saved
    root.setLevel(level)


def test_configure_logging_installs_one_handler_and_switches_its_format() -> None:
    with bare_root() as root:
        configure_logging("WARNING", "json")
        configure_logging("INFO", "text")
        (handler,) = root.handlers
        assert isinstance(handler, ServiceHandler)
        assert isinstance(handler.formatter, TextFormatter)
        assert root.level == logging.INFO
    assert logging.getLogger("uvicorn.error").propagate
    assert not logging.getLogger("uvicorn.access").hasHandlers()


def test_configure_logging_leaves_someone_elses_handlers_alone() -> None:
    with bare_root() as root:
        theirs = logging.NullHandler()
        root.addHandler(theirs)
        configure_logging("INFO", "json")
        assert root.handlers == [theirs]


def test_the_text_request_line_does_not_repeat_its_message() -> None:
    line = record(
        "%s %s %s",
        "GET",
        "/x/{id}",
        200,
        fields={"method": "GET", "route": "/x/{id}", "status": 200, "request_id": "r2"},
    )
    line.composed = True
    assert TextFormatter().format(line).endswith("app.test GET /x/{id} 200 request_id=r2")
