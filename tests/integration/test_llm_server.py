"""tests/llm_server.py against litellm as Assay calls it: replies, scripted faults, keys, retries, concurrency.

What litellm (1.106.2, with openai 2.54) does with each fault is asserted here, so an upgrade that changes it
fails a test instead of changing Assay's behaviour unseen. In short:

* ``openai/`` goes through the openai SDK, which litellm gives ``max_retries=num_retries``: the SDK retries a
  429, a 5xx and a timeout itself, waiting what ``Retry-After`` says (up to 120 s; longer: no SDK retry) or else
  its own backoff (0.5 s, 1 s, ... with jitter); when those are used up, litellm's own wrapper tries
  ``num_retries`` more times at once, whatever the error (a 401 too). A 5xx that never ends: 2n+1 requests.
* ``anthropic/`` goes through litellm's own HTTP client: only the wrapper retries (n+1 requests), and it never
  reads ``Retry-After``.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
import urllib.error
import urllib.request
from typing import Any

import pytest

from adapters.llm import LLM, ModelError, load_litellm
from tests.llm_server import DEFAULT_REPLY, LLMServer, Outcome

MESSAGES = [{"role": "user", "content": "name three prime numbers"}]


@pytest.fixture(scope="module")
def litellm() -> Any:
    """litellm as Assay loads it: offline cost map, quiet, the panel provider registered."""
    return load_litellm()


async def ask(litellm: Any, server: LLMServer, name: str, provider: str = "openai", **kwargs: Any) -> Any:
    """One ``litellm.acompletion`` to the server: key "k" and no retries unless the test says otherwise."""
    kwargs.setdefault("api_key", "k")
    kwargs.setdefault("num_retries", 0)
    base = server.base_url if provider == "openai" else server.root_url
    return await litellm.acompletion(model=f"{provider}/{name}", messages=MESSAGES, api_base=base, **kwargs)


def get(url: str, data: bytes | None = None, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    """A plain HTTP call (no litellm): the status and the decoded JSON body."""
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def gaps(server: LLMServer, name: str) -> list[float]:
    """Seconds between one model's successive requests."""
    arrived = [r.received_at for r in server.requests_for(name)]
    return [b - a for a, b in zip(arrived, arrived[1:], strict=False)]


# -- replies -------------------------------------------------------------------------------------------------


async def test_an_ok_reply_carries_the_reply_functions_text_and_word_count_usage(
    litellm: Any, llm_server: LLMServer
) -> None:
    llm_server.reply = lambda model, messages: f"{model} heard: {messages[-1]['content']}"
    response = await ask(litellm, llm_server, "m")
    assert response.choices[0].message.content == "m heard: name three prime numbers"
    assert (response.usage.prompt_tokens, response.usage.completion_tokens) == (4, 6)
    [seen] = llm_server.requests
    assert (seen.path, seen.model, seen.api_key, seen.status, seen.outcome) == (
        "/v1/chat/completions",
        "m",
        "k",
        200,
        "ok",
    )
    assert seen.headers["authorization"] == "Bearer k"
    assert seen.body["messages"] == MESSAGES
    assert seen.finished_at is not None and seen.finished_at >= seen.received_at


def test_models_lists_the_configured_and_the_planned_names(llm_server: LLMServer) -> None:
    llm_server.plan("openai/planned", ["ok"])
    status, body = get(f"{llm_server.base_url}/models")
    assert status == 200
    assert [m["id"] for m in body["data"]] == ["test-model", "planned"]


async def test_the_anthropic_route_reaches_the_messages_endpoint_with_x_api_key(
    litellm: Any, llm_server: LLMServer
) -> None:
    response = await ask(litellm, llm_server, "claude-test", provider="anthropic")
    assert response.choices[0].message.content == DEFAULT_REPLY
    assert (response.usage.prompt_tokens, response.usage.completion_tokens) == (4, 6)
    [seen] = llm_server.requests
    assert (seen.path, seen.model, seen.api_key) == ("/v1/messages", "claude-test", "k")
    assert seen.headers["x-api-key"] == "k" and "authorization" not in seen.headers
    assert seen.headers["anthropic-version"]


async def test_anthropic_aimed_at_base_url_lands_on_a_recorded_404(litellm: Any, llm_server: LLMServer) -> None:
    """litellm appends /v1/messages to the api_base, so anthropic/ needs root_url, not base_url."""
    with pytest.raises(litellm.NotFoundError):
        await litellm.acompletion(
            model="anthropic/claude-test", messages=MESSAGES, api_base=llm_server.base_url, api_key="k", num_retries=0
        )
    [seen] = llm_server.requests
    assert (seen.path, seen.status, seen.outcome) == ("/v1/v1/messages", 404, None)


# -- faults, one try each ------------------------------------------------------------------------------------

# (provider, outcome) -> the litellm exception class litellm 1.106.2 raises, with num_retries=0.
FAULTS = [
    ("openai", "429", "RateLimitError"),
    ("openai", "500", "InternalServerError"),
    ("openai", "timeout", "Timeout"),
    ("openai", "junk", "InternalServerError"),  # "Empty or invalid response from LLM endpoint"
    ("openai", "auth", "AuthenticationError"),
    ("anthropic", "429", "RateLimitError"),
    ("anthropic", "500", "InternalServerError"),
    ("anthropic", "timeout", "Timeout"),
    ("anthropic", "junk", "APIConnectionError"),  # "Unable to get json response"
    ("anthropic", "auth", "AuthenticationError"),
]


@pytest.mark.parametrize(("provider", "fault", "error"), FAULTS)
async def test_each_fault_raises_its_litellm_error_after_one_request(
    litellm: Any, llm_server: LLMServer, provider: str, fault: str, error: str
) -> None:
    llm_server.plan("m", [fault])
    timeout = 0.5 if fault == "timeout" else 10.0
    started = time.monotonic()
    with pytest.raises(getattr(litellm, error)) as raised:
        await ask(
            litellm, llm_server, "m", provider=provider, api_key="wrong" if fault == "auth" else "k", timeout=timeout
        )
    assert type(raised.value).__name__ == error
    assert [r.outcome for r in llm_server.requests] == [fault]
    if fault == "timeout":
        assert time.monotonic() - started < 3
        deadline = time.monotonic() + 5  # the server notices the hang-up on its next poll
        while llm_server.in_flight and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        assert llm_server.requests[0].disconnected


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
async def test_empty_replies_come_back_without_an_error(litellm: Any, llm_server: LLMServer, provider: str) -> None:
    """No choices / an empty text are not errors to litellm: Assay's LLM.complete is what refuses them."""
    llm_server.plan("m", ["empty", "empty_text"])
    no_choices = await ask(litellm, llm_server, "m", provider=provider)
    empty_text = await ask(litellm, llm_server, "m", provider=provider)
    if provider == "openai":
        assert no_choices.choices == []
        assert empty_text.choices[0].message.content == ""
    else:  # litellm makes one choice of an empty content list, and reads "" as None
        assert no_choices.choices[0].message.content is None
        assert empty_text.choices[0].message.content is None
    assert [r.status for r in llm_server.requests] == [200, 200]


async def test_the_right_key_passes_an_auth_outcome(litellm: Any, llm_server: LLMServer) -> None:
    llm_server.plan("m", ["auth"])
    response = await ask(litellm, llm_server, "m", api_key="k")
    assert response.choices[0].message.content == DEFAULT_REPLY


async def test_a_missing_openai_key_fails_before_any_request(
    litellm: Any, llm_server: LLMServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The openai SDK refuses to send without a key; litellm reports that as an InternalServerError, not a 401."""
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(litellm.InternalServerError, match="Missing credentials"):
        await ask(litellm, llm_server, "m", api_key=None)
    assert llm_server.requests == []


# -- retries -------------------------------------------------------------------------------------------------


async def test_429_then_ok_the_openai_sdk_retries_after_retry_after(litellm: Any, llm_server: LLMServer) -> None:
    llm_server.plan("m", [Outcome("429", retry_after=1), "ok"])
    response = await ask(litellm, llm_server, "m", num_retries=1)
    assert response.choices[0].message.content == DEFAULT_REPLY
    assert [r.status for r in llm_server.requests] == [429, 200]
    [gap] = gaps(llm_server, "m")
    assert 1.0 <= gap < 2.5  # Retry-After: 1 waited out (the SDK's own first backoff is under 0.5 s)
    # The retry was the openai SDK's (litellm passes num_retries to it as max_retries), not litellm's wrapper.
    assert [r.headers["x-stainless-retry-count"] for r in llm_server.requests] == ["0", "1"]


async def test_a_lasting_5xx_with_num_retries_1_is_three_openai_requests(litellm: Any, llm_server: LLMServer) -> None:
    """The SDK's try and retry, then litellm's wrapper once more (at once, and with the SDK's retries off)."""
    llm_server.plan("m", ["500"] * 5)
    with pytest.raises(litellm.InternalServerError):
        await ask(litellm, llm_server, "m", num_retries=1)
    assert [r.headers["x-stainless-retry-count"] for r in llm_server.requests] == ["0", "1", "0"]


async def test_anthropic_retries_once_at_once_whatever_retry_after_says(litellm: Any, llm_server: LLMServer) -> None:
    llm_server.plan("m", [Outcome("429", retry_after=5), "ok"])
    response = await ask(litellm, llm_server, "m", provider="anthropic", num_retries=1)
    assert response.choices[0].message.content == DEFAULT_REPLY
    assert [r.status for r in llm_server.requests] == [429, 200]
    [gap] = gaps(llm_server, "m")
    assert gap < 2.5  # not the 5 s asked for


# -- concurrency ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
async def test_32_concurrent_calls_are_all_in_flight_at_once(
    litellm: Any, llm_server: LLMServer, provider: str
) -> None:
    """litellm's aiohttp transport allows 500 connections per host (AIOHTTP_CONNECTOR_LIMIT_PER_HOST), so 32 fit."""
    llm_server.gather = 32  # each answer waits until all 32 requests are in (a client that sends fewer at once hangs)
    replies = await asyncio.gather(*(ask(litellm, llm_server, f"m{i}", provider=provider) for i in range(32)))
    assert {r.choices[0].message.content for r in replies} == {DEFAULT_REPLY}
    assert len(llm_server.requests) == 32
    assert llm_server.max_in_flight == 32
    assert llm_server.in_flight == 0


# -- Assay's LLM.complete ------------------------------------------------------------------------------------


async def test_llm_complete_gets_text_and_a_receipt_from_the_server(openai_env: LLMServer) -> None:
    completion = await LLM(timeout=10, num_retries=0).complete("solver", "openai/m", MESSAGES, seed=3)
    assert completion.text == DEFAULT_REPLY
    receipt = completion.receipt
    assert (receipt.model, receipt.prompt_tokens, receipt.completion_tokens, receipt.error) == ("openai/m", 4, 6, "")
    assert receipt.cost_usd == 0.0  # an unpriced model
    [seen] = openai_env.requests
    assert (seen.api_key, seen.body["seed"]) == ("k", 3)


@pytest.mark.parametrize(
    ("outcomes", "message"),
    [
        (["empty"], "returned an empty response"),
        (["empty_text"], "returned an empty response"),
        (["500", "500"], "InternalServerError"),
    ],
)
async def test_llm_complete_turns_faults_into_model_errors(
    openai_env: LLMServer, outcomes: list[str], message: str
) -> None:
    openai_env.plan("m", outcomes)
    with pytest.raises(ModelError, match=message):
        await LLM(timeout=10, num_retries=0).complete("solver", "openai/m", MESSAGES)
    assert len(openai_env.requests) == 1


async def test_llm_complete_does_not_retry_a_wrong_key(openai_env: LLMServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """The Router retries what a retry can fix; a 401 is one request, and its receipt says 401."""
    monkeypatch.setenv("OPENAI_API_KEY", "wrong")
    openai_env.plan("m", ["auth"] * 3)
    with pytest.raises(ModelError) as raised:
        await LLM(timeout=10, num_retries=2).complete("solver", "openai/m", MESSAGES)
    receipt = raised.value.receipt
    assert (receipt.error.startswith("AuthenticationError"), receipt.status, receipt.tries) == (True, 401, [])
    assert [(r.api_key, r.status) for r in openai_env.requests] == [("wrong", 401)]


# -- the server itself (no litellm) --------------------------------------------------------------------------


def test_a_used_up_plan_falls_back_to_the_default_and_planned_models_are_separate(llm_server: LLMServer) -> None:
    llm_server.plan("a", ["500"])
    post = f"{llm_server.base_url}/chat/completions"
    body = {"model": "a", "messages": MESSAGES}
    statuses = [get(post, json.dumps(body).encode())[0] for _ in range(2)]
    other = get(post, json.dumps({**body, "model": "b"}).encode())[0]
    assert (statuses, other) == ([500, 200], 200)
    assert llm_server.pending("a") == []


def test_require_key_checks_every_request_and_a_missing_key_is_401(llm_server: LLMServer) -> None:
    llm_server.require_key = True
    post = f"{llm_server.base_url}/chat/completions"
    data = json.dumps({"model": "m", "messages": MESSAGES}).encode()
    status, body = get(post, data)
    assert (status, body["error"]["type"]) == (401, "authentication_error")
    assert get(post, data, {"Authorization": "Bearer k"})[0] == 200
    assert [r.api_key for r in llm_server.requests] == [None, "k"]


def test_stream_and_non_json_bodies_are_refused_with_400(llm_server: LLMServer) -> None:
    llm_server.plan("m", ["500"])
    post = f"{llm_server.base_url}/chat/completions"
    assert get(post, json.dumps({"model": "m", "messages": MESSAGES, "stream": True}).encode())[0] == 400
    assert get(post, b"not json")[0] == 400
    assert llm_server.pending("m") == [Outcome("500")]  # a refused request takes no outcome


def test_unknown_outcomes_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown outcome"):
        LLMServer().plan("m", ["418"])


def test_stop_cuts_a_hanging_request_short_and_leaves_no_thread_or_port() -> None:
    server = LLMServer(hang=60).start()
    port = int(server.root_url.rsplit(":", 1)[1])
    server.plan("m", ["timeout"])
    answers: list[int] = []
    data = json.dumps({"model": "m", "messages": MESSAGES}).encode()
    client = threading.Thread(target=lambda: answers.append(get(f"{server.base_url}/chat/completions", data)[0]))
    client.start()
    deadline = time.monotonic() + 5
    while not server.in_flight and time.monotonic() < deadline:
        time.sleep(0.01)
    started = time.monotonic()
    server.stop()
    assert time.monotonic() - started < 3
    client.join(5)
    assert answers == [504]
    assert not server.running
    assert not [t for t in threading.enumerate() if t.name == "llm-test-server"]
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
