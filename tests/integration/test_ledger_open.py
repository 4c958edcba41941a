"""Opening a SQLite ledger that another process holds locked waits instead of failing."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest

from adapters import ledger as ledger_module
from adapters.ledger import LedgerUnavailable, open_ledger

REAL = ledger_module.AssayLedger


def _hold_exclusive(path: Path, seconds: float, ready: threading.Event, releasing: threading.Event) -> None:
    conn = sqlite3.connect(str(path), isolation_level=None)
    conn.execute("BEGIN EXCLUSIVE")
    ready.set()
    time.sleep(seconds)
    releasing.set()  # before the commit: nobody can open the file until this is set
    conn.execute("COMMIT")
    conn.close()


def test_open_waits_for_a_locked_new_file(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite"
    ready, releasing = threading.Event(), threading.Event()
    holder = threading.Thread(target=_hold_exclusive, args=(path, 0.8, ready, releasing))
    holder.start()
    assert ready.wait(30)
    ledger = open_ledger(f"sqlite:///{path}")
    # Opened only once the lock was being released (an order of events, not a time, which load can stretch).
    assert releasing.is_set()
    holder.join()
    assert ledger.recorder.max_notification_id() in (0, None)


class _LockedThenOpen:
    """Stands in for AssayLedger: the first ``fails`` opens hit a busy snapshot, as a racing process causes."""

    def __init__(self, fails: int) -> None:
        self.fails = fails
        self.calls = 0

    def __call__(self, env: dict[str, str]) -> ledger_module.AssayLedger:
        self.calls += 1
        if self.calls <= self.fails:
            raise sqlite3.OperationalError("database is locked")
        return REAL(env=env)


def test_open_retries_a_busy_snapshot(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fake = _LockedThenOpen(fails=3)
    monkeypatch.setattr(ledger_module, "AssayLedger", fake)
    ledger = open_ledger(f"sqlite:///{tmp_path / 'ledger.sqlite'}")
    assert fake.calls == 4
    assert ledger.recorder.max_notification_id() in (0, None)


class _Clock:
    """Stands in for the ledger module's ``time``: sleeping moves the clock on, so no stall under load counts."""

    def __init__(self) -> None:
        self.now = 0.0

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_open_gives_up_with_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fake = _LockedThenOpen(fails=10_000)
    monkeypatch.setattr(ledger_module, "AssayLedger", fake)
    monkeypatch.setattr(ledger_module, "time", _Clock())
    with pytest.raises(LedgerUnavailable, match=r"cannot open the ledger at .*ledger.sqlite.*database is locked"):
        open_ledger(f"sqlite:///{tmp_path / 'ledger.sqlite'}", wait_s=0.3)
    assert fake.calls == 4  # tried at 0, 0.05, 0.15 and 0.35 s (backing off): the last one is past the 0.3 s
