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

    @property
    def embedded_nats(self) -> bool:
        return self.nats_url is None


class SettingsError(InvalidInput):
    """An environment variable Assay reads holds a value it cannot use."""


def load_settings() -> Settings:
    workers_text = os.environ.get("ASSAY_WORKERS") or "16"
    try:
        workers = int(workers_text)
    except ValueError:
        workers = 0
    if workers < 1:
        raise SettingsError(f"ASSAY_WORKERS must be a whole number of at least 1 (got {workers_text!r})")
    home = Path(os.environ.get("ASSAY_HOME", ".assay")).resolve()
    store = os.environ.get("ASSAY_STORE_URL") or f"sqlite:///{home / 'ledger.sqlite'}"
    return Settings(
        home=home,
        store_url=store,
        nats_url=os.environ.get("ASSAY_NATS_URL") or None,
        stream=os.environ.get("ASSAY_STREAM", "ASSAY"),
        workers=workers,
    )
