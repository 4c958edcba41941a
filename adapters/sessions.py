"""Review-page sessions at rest: one row per signed-in browser, in the side database (adapters/sidecar.py).

A row holds the SHA-256 of the session id (never the id itself), the reviewer's name, a fingerprint of the
token grant it was made from, and when it was created and expires (Unix seconds). Sessions are working
state of the review service, not facts: nothing here enters the ledger.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from adapters.ledger import LedgerUnavailable
from adapters.sidecar import connect

_DDL = (
    "CREATE TABLE IF NOT EXISTS assay_sessions (id_sha256 TEXT PRIMARY KEY, reviewer TEXT NOT NULL,"
    " grant_sha256 TEXT NOT NULL, created_at DOUBLE PRECISION NOT NULL, expires_at DOUBLE PRECISION NOT NULL)",
    "CREATE INDEX IF NOT EXISTS assay_sessions_reviewer ON assay_sessions (reviewer)",
)


@dataclass(frozen=True)
class SessionRow:
    """One stored session (``grant_sha256``: the SHA-256 of the reviewer's token hash when it signed in)."""

    reviewer: str
    grant_sha256: str
    created_at: float
    expires_at: float


class SessionStore:
    """Sessions by the SHA-256 of their id: add, get, delete one, delete a reviewer's, drop the expired."""

    def __init__(self, store_url: str) -> None:
        self._lock = threading.Lock()
        self._conn, self._ph = connect(store_url)
        with self._lock:
            for statement in _DDL:
                self._conn.execute(statement)
            self._conn.commit()

    def _run(self, sql: str, *params: object) -> int:
        with self._lock:
            count = self._conn.execute(sql.replace("?", self._ph), params).rowcount
            self._conn.commit()
        return max(int(count), 0)

    def add(self, id_sha256: str, row: SessionRow) -> None:
        self._run(
            "INSERT INTO assay_sessions (id_sha256, reviewer, grant_sha256, created_at, expires_at)"
            " VALUES (?, ?, ?, ?, ?)",
            id_sha256,
            row.reviewer,
            row.grant_sha256,
            row.created_at,
            row.expires_at,
        )

    def get(self, id_sha256: str) -> SessionRow | None:
        sql = "SELECT reviewer, grant_sha256, created_at, expires_at FROM assay_sessions WHERE id_sha256 = ?"
        with self._lock:
            found = self._conn.execute(sql.replace("?", self._ph), (id_sha256,)).fetchone()
            self._conn.commit()
        return SessionRow(str(found[0]), str(found[1]), float(found[2]), float(found[3])) if found else None

    def delete(self, id_sha256: str) -> int:
        return self._run("DELETE FROM assay_sessions WHERE id_sha256 = ?", id_sha256)

    def delete_reviewer(self, reviewer: str) -> int:
        """End every session of ``reviewer``; the number ended."""
        return self._run("DELETE FROM assay_sessions WHERE reviewer = ?", reviewer)

    def delete_expired(self, now: float) -> int:
        return self._run("DELETE FROM assay_sessions WHERE expires_at <= ?", now)

    def close(self) -> None:
        with self._lock:
            self._conn.close()


def open_sessions(store_url: str) -> SessionStore:
    """The session store beside the ledger at ``store_url``; LedgerUnavailable with a message naming why."""
    try:
        return SessionStore(store_url)
    except Exception as exc:
        raise LedgerUnavailable(f"cannot open the session store: {type(exc).__name__}: {exc}") from None
