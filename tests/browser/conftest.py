"""A real headless Chromium (Debian's package) driven by Playwright; skipped, visibly, where there is none.

`make test` installs Chromium first (tests/browser/install-chromium.sh). Playwright never downloads a
browser here: it launches the system one through ``executable_path``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.web.fixtures import served, world  # noqa: F401
from tests.web.helpers import Served

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    for candidate in (os.environ.get("ASSAY_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    executable = chromium_path()
    if executable is None:
        reason = (
            "no Chromium at /usr/bin/chromium (or $ASSAY_CHROMIUM): install Debian's `chromium` "
            "(`make test` tries to) to run the review page's browser tests"
        )
        pytest.skip(reason)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        reason = "the playwright package is not installed (pip install -e '.[test]')"
        pytest.skip(reason)
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=executable, args=ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Any, served: Served) -> Iterator[Any]:  # noqa: F811  (served: the fixture, stopped after this)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    tab.set_default_timeout(15_000)
    yield tab
    context.close()
    refused = "the server responded with a status of 422"  # the bad-input cases answer 422, as they should
    assert [e for e in errors if refused not in e] == [], errors  # no script error, CSP violation or 404
