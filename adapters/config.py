"""Settings from the environment. With none set, everything is embedded under ./.assay."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

from domain.bounds import RETRIES, SESSION_HOURS, TIMEOUT, TRUSTED_PROXIES, WORKERS, Bound, out_of_range
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


def _number(name: str, default: str, bound: Bound) -> float:
    """The setting ``name`` as a number inside ``bound`` (domain.bounds; docs/options.md lists the ranges)."""
    text = os.environ.get(name) or default
    try:
        value: float = int(text) if bound.integer else float(text)
    except ValueError:
        value = math.nan
    if not bound.holds(value):
        raise SettingsError(out_of_range(name, text, bound))
    return value


def load_settings() -> Settings:
    workers = int(_number("ASSAY_WORKERS", "16", WORKERS))
    # An empty value means unset, as for the URLs below (an empty ASSAY_HOME put the ledger in the working directory).
    home = Path(os.environ.get("ASSAY_HOME") or ".assay").resolve()
    store = os.environ.get("ASSAY_STORE_URL") or f"sqlite:///{home / 'ledger.sqlite'}"
    return Settings(
        home=home,
        store_url=store,
        nats_url=os.environ.get("ASSAY_NATS_URL") or None,
        stream=os.environ.get("ASSAY_STREAM") or "ASSAY",
        workers=workers,
        llm_timeout=float(_number("ASSAY_LLM_TIMEOUT", "60", TIMEOUT)),
        llm_retries=int(_number("ASSAY_LLM_RETRIES", "2", RETRIES)),
        session_hours=float(_number("ASSAY_SESSION_HOURS", "12", SESSION_HOURS)),
        trusted_proxies=int(_number("ASSAY_TRUSTED_PROXIES", "0", TRUSTED_PROXIES)),
    )
