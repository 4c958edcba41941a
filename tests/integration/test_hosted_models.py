"""Hosted models over real HTTP: a spec's deployments on two endpoints, their keys, prices, limits and preflight.

Every call goes through Assay's own path (services.roles.RoleCaller -> adapters.llm.LLM -> litellm's Router) to
the project's fault-injecting OpenAI-compatible server (tests/llm_server.py) on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from adapters.llm import LLM, ModelError
from app import models
from domain.spec import parse_spec
from services.roles import RoleCaller
from tests.llm_server import LLMServer

BASE = (Path(__file__).resolve().parents[2] / "specs" / "arithmetic.toml").read_text()
ASK = [{"role": "user", "content": "Say something short."}]


def spec_for(first: LLMServer, second: LLMServer, extra: str = "") -> str:
    return (
        BASE.replace('judge = "local/judge-a"', 'judge = "hosted"')
        + f"""
[[model_list]]
model_name = "hosted"
litellm_params = {{ model = "openai/acme-a", api_base = "{first.base_url}", api_key = "os.environ/KEY_A" }}
model_info = {{ input_cost_per_token = 0.001, output_cost_per_token = 0.002 }}

[[model_list]]
model_name = "second"
litellm_params = {{ model = "openai/acme-b", api_base = "{second.base_url}", api_key = "os.environ/KEY_B" }}
model_info = {{ free = true }}
{extra}"""
    )


@pytest.fixture
def keys(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OPENAI_API_KEY", "OPENAI_API_BASE", "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("KEY_A", "key-of-a")
    monkeypatch.setenv("KEY_B", "key-of-b")


def test_two_endpoints_in_one_spec_each_with_its_key_and_price(llm_server: LLMServer, keys: None) -> None:
    second = LLMServer().start()
    try:
        spec = parse_spec(spec_for(llm_server, second), "two.toml")
        caller = RoleCaller(LLM(num_retries=0), spec)

        async def both() -> tuple[object, object]:
            judged = await caller("judge", ASK)
            other = await caller("judge", ASK, model="second")
            return judged, other

        judged, other = asyncio.run(both())
        (a,) = llm_server.requests
        (b,) = second.requests
        assert (a.model, a.api_key, b.model, b.api_key) == ("acme-a", "key-of-a", "acme-b", "key-of-b")
        ra, rb = judged.receipt, other.receipt  # type: ignore[attr-defined]
        assert (ra.model, rb.model) == ("hosted", "second")
        # The server counts words: the spec's prices apply to what it reported.
        assert ra.cost_usd == pytest.approx(ra.prompt_tokens * 0.001 + ra.completion_tokens * 0.002)
        assert ra.prompt_tokens > 0 and rb.cost_usd == 0.0
    finally:
        second.stop()


def test_the_preflight_calls_each_endpoint_once_and_names_a_missing_key(
    llm_server: LLMServer, keys: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = parse_spec(spec_for(llm_server, llm_server), "two.toml")
    checks = {c.name: c for c in models.preflight(spec)}
    (hosted,) = checks["hosted"].endpoints
    assert hosted.answered and hosted.key == "KEY_A: set (…)" and hosted.api_base == llm_server.base_url
    assert [r.model for r in llm_server.requests] == ["acme-a"]  # "second" is in the list, but no role uses it
    assert llm_server.requests[0].body["max_tokens"] == 1

    monkeypatch.delenv("KEY_A")
    with pytest.raises(
        models.PreflightError, match=r"hosted \(judge\) via openai/acme-a: its key is missing: set KEY_A"
    ):
        models.preflight(spec)
    assert len(llm_server.requests) == 1  # a model without its key is never called


def test_an_unpriced_deployment_is_refused(llm_server: LLMServer, keys: None) -> None:
    text = spec_for(llm_server, llm_server).replace(
        "model_info = { input_cost_per_token = 0.001, output_cost_per_token = 0.002 }", ""
    )
    with pytest.raises(models.PreflightError, match=r"hosted \(judge\) via openai/acme-a: unpriced"):
        models.preflight(parse_spec(text, "two.toml"), call=False)


def test_a_faulty_endpoint_answers_with_an_error_receipt(llm_server: LLMServer, keys: None) -> None:
    spec = parse_spec(spec_for(llm_server, llm_server), "two.toml")
    llm_server.plan("acme-a", ["500", "junk", "empty"])
    caller = RoleCaller(LLM(num_retries=0), spec)
    errors = []
    for _ in range(3):
        with pytest.raises(ModelError) as failed:
            asyncio.run(caller("judge", ASK))
        errors.append(failed.value.receipt.error)
    assert errors[0].startswith("InternalServerError") and errors[1]  # every failed call's receipt says why
    assert errors[2] == "EmptyResponse: the reply had no choices"
