"""Structured logging: key=value lines (or JSON with ASSAY_LOG_JSON=1) with run, candidate and event ids."""

from __future__ import annotations

import logging
import os
import sys

import structlog


class _CurrentStderr:
    """Whatever ``sys.stderr`` is when a line is written, not when logging was configured: a stream swapped
    in for a while (a test's capture, a CLI runner's) and closed afterwards must not take the logs with it."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def configure(level: str | None = None) -> None:
    """Configure structlog once; logs go to stderr so command output stays clean."""
    name = (level or os.environ.get("ASSAY_LOG_LEVEL", "WARNING")).upper()
    renderer = (
        structlog.processors.JSONRenderer()
        if os.environ.get("ASSAY_LOG_JSON")
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso"),
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(getattr(logging, name, logging.WARNING)),
        logger_factory=structlog.PrintLoggerFactory(file=_CurrentStderr()),  # type: ignore[arg-type]
        cache_logger_on_first_use=False,
    )


def get(name: str) -> structlog.typing.FilteringBoundLogger:
    return structlog.get_logger(name)
