"""Structured logging: key=value lines (or JSON with ASSAY_LOG_JSON=1) with run, candidate and event ids."""

from __future__ import annotations

import logging
import os
import sys

import structlog


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
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )


def get(name: str) -> structlog.typing.FilteringBoundLogger:
    return structlog.get_logger(name)
