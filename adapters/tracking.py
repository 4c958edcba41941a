"""Durable positions (and small serialized views) for the relay and projections.

SQLite: a file beside the ledger. PostgreSQL: a table in the ledger's database (adapters/sidecar.py). A save
writes the position and the view together, and refuses to move a position backwards.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

from adapters.ledger import while_creating
from adapters.sidecar import connect

_DDL = "CREATE TABLE IF NOT EXISTS assay_tracking ( name TEXT PRIMARY KEY, position BIGINT NOT NULL, state TEXT)"


class TrackingStore:
    """Positions by name, each optionally with a serialized view written in the same transaction."""

    def __init__(self, store_url: str) -> None:
        self._lock = threading.Lock()
        self._conn, self._ph = connect(store_url)
        with self._lock:
            try:
                self._conn.execute(_DDL)
                self._conn.commit()
            except Exception:
                self._conn.close()
                raise

    def load(self, name: str) -> tuple[int, str | None]:
        """The stored position and view for ``name`` (0 and None when nothing is stored)."""
        with self._lock:
            row = self._conn.execute(
                f"SELECT position, state FROM assay_tracking WHERE name = {self._ph}", (name,)
            ).fetchone()
            self._conn.commit()
        return (int(row[0]), row[1]) if row else (0, None)

    def position(self, name: str) -> int:
        return self.load(name)[0]

    def save(self, name: str, position: int, state: str | None = None) -> None:
        """Store ``position`` (and ``state``) for ``name``; a position lower than the stored one is ignored."""
        self.save_all([(name, position, state)])

    def save_all(self, rows: Iterable[tuple[str, int, str | None]]) -> None:
        """``save`` each (name, position, state) of ``rows``, all in one transaction: several views stored together
        (a rebuild, a catch-up of several) commit once, not once each."""
        p = self._ph
        statement = (
            f"INSERT INTO assay_tracking (name, position, state) VALUES ({p}, {p}, {p}) "
            "ON CONFLICT (name) DO UPDATE SET position = excluded.position, state = excluded.state "
            "WHERE assay_tracking.position <= excluded.position"
        )
        with self._lock:
            self._in_one(statement, list(rows))

    def reset(self, *names: str) -> None:
        """Forget what is stored for each of ``names``, in one transaction."""
        with self._lock:
            self._in_one(f"DELETE FROM assay_tracking WHERE name = {self._ph}", [(name,) for name in names])

    def _in_one(self, statement: str, rows: list[tuple[Any, ...]]) -> None:
        """``statement`` once per row and one commit; none of it stays when one fails (caller holds the lock)."""
        try:
            for row in rows:
                self._conn.execute(statement, row)
            self._conn.commit()
        except BaseException:
            self._conn.rollback()
            raise

    def close(self) -> None:
        with self._lock:
            self._conn.close()


def open_tracking(store_url: str, wait_s: float = 30.0) -> TrackingStore:
    """The tracking store beside the ledger at ``store_url``; LedgerUnavailable with a message naming why. Another
    process creating the table at the same moment is waited out (``adapters.ledger.while_creating``)."""
    return while_creating(lambda: TrackingStore(store_url), "the tracking store", wait_s)
