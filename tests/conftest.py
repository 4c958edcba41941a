"""Shared fixtures: a private nats-server per test, and a fresh ledger database per test.

``nats_url``   a JetStream nats-server of its own (never the system one on 4222).
``sqlite_url`` a SQLite ledger file in the test's tmp_path.
``postgres_url`` a fresh database on ASSAY_TEST_POSTGRES_URL (default the local server), dropped after;
               skipped, with the reason, where PostgreSQL is not reachable.
``store_url``  parametrized over both.
``llm_server`` a local OpenAI/Anthropic-shaped model server with scripted faults (tests/llm_fixtures.py).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import pytest

from adapters.nats_embedded import EmbeddedNats
from tests.llm_fixtures import llm_server, openai_env  # noqa: F401  (fixtures, used by name)

POSTGRES_ADMIN_URL = os.environ.get("ASSAY_TEST_POSTGRES_URL") or "postgresql://postgres@127.0.0.1:5432/postgres"
_POSTGRES_SKIP = "PostgreSQL not reachable at"


@pytest.fixture
def nats_url(tmp_path: Path) -> Iterator[str]:
    server = EmbeddedNats(tmp_path / "nats")
    url = server.start()
    try:
        yield url
    finally:
        server.stop()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'ledger.sqlite'}"


def _with_db(url: str, dbname: str) -> str:
    return urlunparse(urlparse(url)._replace(path=f"/{dbname}"))


def _admin_connect():  # type: ignore[no-untyped-def]
    import psycopg

    return psycopg.connect(POSTGRES_ADMIN_URL, connect_timeout=3, autocommit=True)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    where = urlparse(POSTGRES_ADMIN_URL).netloc.rpartition("@")[-1]
    try:
        admin = _admin_connect()
    except Exception as exc:
        pytest.skip(f"{_POSTGRES_SKIP} {where}: {type(exc).__name__}: {exc}".strip())
    dbname = f"assay_test_{uuid.uuid4().hex[:12]}"
    with admin:
        admin.execute(f'CREATE DATABASE "{dbname}"')
    try:
        yield _with_db(POSTGRES_ADMIN_URL, dbname)
    finally:
        with _admin_connect() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest) -> str:
    return str(request.getfixturevalue(f"{request.param}_url"))


def pytest_report_header() -> str:
    where = urlparse(POSTGRES_ADMIN_URL).netloc.rpartition("@")[-1]
    return f"assay: PostgreSQL tests use {where} (ASSAY_TEST_POSTGRES_URL); skipped with the reason if unreachable"


def _skip_reasons(terminalreporter: pytest.TerminalReporter, where: str = "", says: str = "") -> list[str]:
    """The reasons of the skipped tests under ``where`` whose reason holds ``says``.

    Read from the reports, not from lists the fixtures fill: under pytest-xdist the tests run in worker processes
    and only their reports reach the process that prints this summary."""
    reasons = []
    for report in terminalreporter.stats.get("skipped", []):
        if not str(getattr(report, "nodeid", "")).startswith(where):
            continue
        longrepr = report.longrepr
        reason = str(longrepr[2]) if isinstance(longrepr, tuple | list) else str(longrepr)
        reason = reason.removeprefix("Skipped: ")
        if says in reason:
            reasons.append(reason)
    return reasons


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say loudly when the PostgreSQL half of the suite, or the browser tests, did not run."""
    if postgres := _skip_reasons(terminalreporter, says=_POSTGRES_SKIP):
        terminalreporter.section("PostgreSQL tests SKIPPED", sep="!", red=True, bold=True)
        terminalreporter.write_line(f"{len(postgres)} test(s) skipped: {postgres[0]}")
        terminalreporter.write_line("Set ASSAY_TEST_POSTGRES_URL to a reachable server to run them.")
    # tests/browser/conftest.py is not loaded where xdist's controller prints the summary, so the line is here.
    if browser := _skip_reasons(terminalreporter, where="tests/browser/"):
        terminalreporter.write_line(f"browser tests SKIPPED: {browser[0]}", red=True, bold=True)
