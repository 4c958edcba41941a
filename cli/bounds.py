"""Numeric options with a range (domain.bounds): a value outside it exits 2 before the command does anything."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import typer

from domain.bounds import Bound


def checker(name: str, bound: Bound) -> Callable[[Any, Any, Any], Any]:
    """A typer option callback refusing a value outside ``bound`` with one line naming the option, the value and
    the range. The bound rides on the callback (``.bound``) so a test can find every numeric option's range."""

    def check(ctx: Any, param: Any, value: Any) -> Any:  # untyped ctx/param: typer passes them by position
        if value is not None and not getattr(ctx, "resilient_parsing", False):
            bound.check(name, value)  # InvalidInput: one line, exit 2 (cli.main)
        return value

    check.bound = bound  # type: ignore[attr-defined]
    return check


def ranged(default: Any, name: str, bound: Bound, help: str, **extra: Any) -> Any:
    """``typer.Option(default, name, ...)`` for a number in ``bound``; the help ends with the range."""
    return typer.Option(default, name, callback=checker(name, bound), help=f"{help} Range: {bound.text()}.", **extra)
