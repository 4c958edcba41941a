"""Every try of a model call is recorded: litellm's Router retries, and the call's receipt lists each try with its
status, error class, latency, the Retry-After asked for and the pause actually taken. Over real HTTP to the
project's fault-injecting server (tests/llm_server.py)."""

from __future__ import annotations

import pytest

from adapters import tries
from adapters.llm import LLM, ModelError
from domain.spec import Deployment
from tests.llm_server import LLMServer, Outcome

MESSAGES = [{"role": "user", "content": "Say something short."}]


async def test_a_retried_call_lists_every_try_and_honours_retry_after(openai_env: LLMServer) -> None:
    openai_env.plan("m", [Outcome("429", retry_after=1), "500", "ok"])
    completion = await LLM(timeout=10, num_retries=3).complete("judge", "openai/m", MESSAGES)
    receipt = completion.receipt
    assert (receipt.error, receipt.status) == ("", 200)
    assert [(t.status, t.error) for t in receipt.tries] == [
        (429, "RateLimitError"),
        (500, "InternalServerError"),
        (200, ""),
    ]
    first, second, last = receipt.tries
    assert first.retry_after_s == 1.0 and first.waited_ms >= 1000  # the Retry-After was honoured
    assert second.retry_after_s is None and last.waited_ms == 0
    assert all(t.latency_ms > 0 and t.deployment == "" for t in receipt.tries)  # a plain model: no deployment
    # The call's latency is the whole call: every try and every pause.
    assert receipt.latency_ms >= sum(t.latency_ms + t.waited_ms for t in receipt.tries) * 0.99
    # What the server saw agrees: three requests, the second at least the Retry-After after the first ended.
    seen = openai_env.requests
    assert [r.status for r in seen] == [429, 500, 200]
    assert seen[0].finished_at is not None and seen[1].received_at - seen[0].finished_at >= 1.0


async def test_a_call_that_never_succeeds_lists_each_failed_try(openai_env: LLMServer) -> None:
    openai_env.plan("m", ["500", "junk", "500"])
    with pytest.raises(ModelError) as raised:
        await LLM(timeout=10, num_retries=2).complete("judge", "openai/m", MESSAGES)
    receipt = raised.value.receipt
    assert receipt.error.startswith("InternalServerError") and receipt.status == 500
    assert len(receipt.tries) == 3 == len(openai_env.requests)
    assert all(t.status >= 500 and t.error for t in receipt.tries)
    assert all(t.waited_ms > 0 for t in receipt.tries[:-1]) and receipt.tries[-1].waited_ms == 0


async def test_a_timed_out_try_is_a_timeout_and_the_retry_answers(openai_env: LLMServer) -> None:
    openai_env.plan("m", [Outcome("timeout"), "ok"])
    openai_env.hang = 5
    completion = await LLM(timeout=0.5, num_retries=1).complete("judge", "openai/m", MESSAGES)
    timed_out, answered = completion.receipt.tries
    assert (timed_out.error, timed_out.status, answered.status) == ("Timeout", 408, 200)
    assert timed_out.latency_ms >= 500


async def test_an_empty_reply_is_one_answered_try_with_its_error(openai_env: LLMServer) -> None:
    openai_env.plan("m", ["empty"])
    with pytest.raises(ModelError) as raised:
        await LLM(timeout=10, num_retries=2).complete("judge", "openai/m", MESSAGES)
    receipt = raised.value.receipt
    assert (receipt.error, receipt.status, receipt.tries) == ("EmptyResponse: the reply had no choices", 200, [])


async def test_a_deployments_tries_name_the_endpoint_they_reached(llm_server: LLMServer) -> None:
    deployment = Deployment(
        model_name="writer",
        litellm_params={"model": "openai/w", "api_base": llm_server.base_url, "api_key": "k", "max_retries": 1},
    )
    llm_server.plan("w", ["500", "ok"])
    llm = LLM(timeout=10, num_retries=0)  # the deployment's max_retries=1 is its Router retries
    completion = await llm.complete("author", "writer", MESSAGES, deployments=[deployment])
    receipt = completion.receipt
    where = f"openai/w @ {llm_server.base_url}"
    assert [(t.status, t.deployment) for t in receipt.tries] == [(500, where), (200, where)]
    assert receipt.deployment == where and len(llm_server.requests) == 2  # the SDK itself never retried


async def test_a_one_try_call_has_no_tries_list_and_nothing_is_left_collected() -> None:
    completion = await LLM(timeout=10, num_retries=2).complete("solver", "local/solver-mid", MESSAGES)
    assert (completion.receipt.status, completion.receipt.tries, completion.receipt.error) == (200, [], "")
    assert tries._calls == {}
