"""Structured logging: structlog for our code, the standard library routed through it.

Our own log calls go straight from structlog to stderr: a call below the level returns at
once, and nothing is formatted twice.  Libraries that log with the standard library
(uvicorn, SQLAlchemy, ``warnings``) reach the same stream through a handler that renders
their records with the same processors, so every line has the same shape.
"""

from __future__ import annotations

import logging
import sys
from typing import Any, TextIO

import structlog
from structlog.typing import Processor

from .settings import Settings


class NamedWriteLogger(structlog.WriteLogger):
    """structlog's writer to a stream, with the name ``structlog.get_logger(name)`` gave it."""

    def __init__(self, name: str, file: TextIO) -> None:
        super().__init__(file)
        self.name = name


def named_logger_factory(file: TextIO) -> Any:
    def factory(name: str | None = None, *_args: Any) -> NamedWriteLogger:
        return NamedWriteLogger(name or "root", file)

    return factory


def configure_logging(settings: Settings) -> None:
    """JSON lines (or readable console lines) on stderr, with the request id of each request."""
    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer: Processor = (
        structlog.processors.JSONRenderer()
        if settings.log_json
        else structlog.dev.ConsoleRenderer()
    )
    structlog.configure(
        processors=[
            *shared,
            structlog.processors.StackInfoRenderer(),
            structlog.processors.format_exc_info,
            renderer,
        ],
        logger_factory=named_logger_factory(sys.stderr),
        wrapper_class=structlog.make_filtering_bound_logger(settings.log_level),
        # Tests capture log lines by reconfiguring structlog, which a cached logger ignores.
        cache_logger_on_first_use=settings.environment != "test",
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            renderer,
        ],
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(settings.log_level)
    # warnings.warn(...) (SQLAlchemy's SAWarning, deprecations) becomes a log line like any other.
    logging.captureWarnings(True)
    # Our middleware writes one access line per request, with its request id.
    logging.getLogger("uvicorn.access").disabled = True
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers = []
        logging.getLogger(name).propagate = True
