"""How both faces write money and coverage coordinates."""

from __future__ import annotations


def money(x: float) -> str:
    """Spend in dollars to four decimals."""
    return f"${x:.4f}"


def coord(c: dict[str, str]) -> str:
    """A coverage coordinate as ``axis=value`` pairs in axis order."""
    return ", ".join(f"{k}={v}" for k, v in sorted(c.items()))
