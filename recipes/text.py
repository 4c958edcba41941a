"""Small text helpers every recipe's reasons and details use."""

from __future__ import annotations

from typing import Any


def short(text: Any, limit: int = 60) -> str:
    """One line, at most ``limit`` characters (an ellipsis marks a cut): for reasons and details."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
