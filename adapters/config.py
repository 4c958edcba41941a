"""Settings from the environment. With none set, everything is embedded under ./.assay."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    home: Path
    store_url: str  # sqlite:///path or postgresql://user:pass@host:port/db
    nats_url: str | None  # None: start an embedded nats-server
    stream: str = "ASSAY"

    @property
    def embedded_nats(self) -> bool:
        return self.nats_url is None


def load_settings() -> Settings:
    home = Path(os.environ.get("ASSAY_HOME", ".assay")).resolve()
    store = os.environ.get("ASSAY_STORE_URL") or f"sqlite:///{home / 'ledger.sqlite'}"
    return Settings(
        home=home,
        store_url=store,
        nats_url=os.environ.get("ASSAY_NATS_URL") or None,
        stream=os.environ.get("ASSAY_STREAM", "ASSAY"),
    )
