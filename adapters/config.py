"""Settings from the environment. With none set, everything is embedded under ./.assay."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from domain.errors import InvalidInput


@dataclass(frozen=True)
class Settings:
    home: Path
    store_url: str  # sqlite:///path or postgresql://user:pass@host:port/db
    nats_url: str | None  # None: start an embedded nats-server
    stream: str = "ASSAY"
    workers: int = 16  # handlers each consumer runs at once (ASSAY_WORKERS); `assay run --concurrency` raises it
    llm_timeout: float = 60.0  # seconds per model call (ASSAY_LLM_TIMEOUT); a deployment's own timeout wins
    llm_retries: int = 2  # retries per model call (ASSAY_LLM_RETRIES); a deployment's max_retries wins
    session_hours: float = 12.0  # how long a review-page sign-in lasts (ASSAY_SESSION_HOURS)
    trusted_proxies: int = 0  # proxies in front of the review page whose X-Forwarded-For counts (ASSAY_TRUSTED_PROXIES)

    @property
    def embedded_nats(self) -> bool:
        return self.nats_url is None


class SettingsError(InvalidInput):
    """An environment variable Assay reads holds a value it cannot use."""


def _number(name: str, default: str, kind: type[int] | type[float], least: float, most: float | None = None) -> float:
    text = os.environ.get(name) or default
    try:
        value = kind(text)
    except ValueError:
        value = least - 1
    if value < least or value != value or (most is not None and value > most):  # value != value: NaN
        what = "a whole number" if kind is int else "a number"
        span = f"of at least {least:g}" if most is None else f"from {least:g} to {most:g}"
        raise SettingsError(f"{name} must be {what} {span} (got {text!r})")
    return value


def load_settings() -> Settings:
    workers = int(_number("ASSAY_WORKERS", "16", int, 1))
    home = Path(os.environ.get("ASSAY_HOME", ".assay")).resolve()
    store = os.environ.get("ASSAY_STORE_URL") or f"sqlite:///{home / 'ledger.sqlite'}"
    return Settings(
        home=home,
        store_url=store,
        nats_url=os.environ.get("ASSAY_NATS_URL") or None,
        stream=os.environ.get("ASSAY_STREAM", "ASSAY"),
        workers=workers,
        llm_timeout=float(_number("ASSAY_LLM_TIMEOUT", "60", float, 0.001)),
        llm_retries=int(_number("ASSAY_LLM_RETRIES", "2", int, 0)),
        # A quarter of an hour to 30 days: shorter signs people out mid-review, longer outlives a device.
        session_hours=float(_number("ASSAY_SESSION_HOURS", "12", float, 0.25, 720)),
        trusted_proxies=int(_number("ASSAY_TRUSTED_PROXIES", "0", int, 0, 10)),
    )
