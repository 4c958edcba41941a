"""The ``llm_server`` fixture: a started tests.llm_server.LLMServer of the test's own, stopped after it.

``llm_server.base_url``             ``http://127.0.0.1:PORT/v1``: the api_base for ``model="openai/<name>"``.
``llm_server.root_url``             ``http://127.0.0.1:PORT``: the api_base for ``model="anthropic/<name>"``.
``llm_server.plan(model, [...])``   queue the next outcomes: ``"ok"``, ``"429"``, ``Outcome("429", retry_after=2)``...
``llm_server.requests``             every request received; ``requests_for(model)`` one model's.
``llm_server.max_in_flight``        the most requests answered at once (set ``delay`` to measure concurrency).

``openai_env``: the same server as litellm's default OpenAI endpoint (OPENAI_API_BASE, key "k"), for calls that
name a plain ``openai/<name>`` model with no api_base.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.llm_server import LLMServer


@pytest.fixture
def llm_server() -> Iterator[LLMServer]:
    server = LLMServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def openai_env(llm_server: LLMServer, monkeypatch: pytest.MonkeyPatch) -> LLMServer:
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)  # it outranks OPENAI_API_BASE
    monkeypatch.setenv("OPENAI_API_BASE", llm_server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "k")
    return llm_server
