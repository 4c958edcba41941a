"""Fixtures for the review service: one real run per session, a private copy and a server per test.

Imported by the conftest of tests/web and of tests/browser."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.web.helpers import Served, World, copy_home, make_world


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return make_world(tmp_path_factory.mktemp("review-world"))


@pytest.fixture
def served(world: World, tmp_path: Path) -> Iterator[Served]:
    server = Served(copy_home(world, tmp_path / ".assay"), world.tokens)
    try:
        yield server
    finally:
        server.stop()
