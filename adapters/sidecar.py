"""The database beside the ledger for Assay's own small tables (tracking positions, review sessions).

SQLite: the file ``tracking.sqlite`` beside the ledger file (WAL). PostgreSQL: the ledger's own database.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from adapters.ledger import store_env


def connect(store_url: str) -> tuple[Any, str]:
    """A DB-API connection to the side database of ``store_url`` and its parameter placeholder ("?" or "%s").

    The caller serialises use of the connection (one lock per connection) and commits after each statement."""
    env = store_env(store_url)
    if urlparse(store_url).scheme == "sqlite":
        path = Path(env["SQLITE_DBNAME"]).with_name("tracking.sqlite")
        conn: Any = sqlite3.connect(str(path), check_same_thread=False, timeout=30)
        conn.execute("PRAGMA journal_mode=WAL")
        return conn, "?"
    import psycopg

    conn = psycopg.connect(
        dbname=env["POSTGRES_DBNAME"],
        host=env["POSTGRES_HOST"],
        port=env["POSTGRES_PORT"],
        user=env["POSTGRES_USER"],
        password=env["POSTGRES_PASSWORD"] or None,
        connect_timeout=5,
    )
    return conn, "%s"
