"""A local stand-in for hosted model APIs, with faults scripted per test and per model.

No machine here reaches the internet, so tests of how Assay (through litellm) behaves against a hosted model
talk to this server instead. It speaks two dialects on one port:

``POST /v1/chat/completions``  OpenAI's chat completions (non-streaming; ``stream: true`` is refused with 400);
                               litellm reaches it as ``model="openai/<name>", api_base=server.base_url``.
``POST /v1/messages``          Anthropic's messages API; litellm reaches it as
                               ``model="anthropic/<name>", api_base=server.root_url`` (litellm appends
                               ``/v1/messages`` to whatever api_base it is given, so not ``base_url``).
``GET  /v1/models``            the configured model names (plus every planned one), in OpenAI's list shape.
Any other path answers 404 (recorded all the same, so a client aiming at the wrong URL shows in ``requests``).

Each chat or messages request takes the next outcome from its model's plan (``plan(model, [...])``), or
``default`` once the plan is used up (a 400 or 404 takes none). An outcome is one of ``KINDS``:

``ok``          a well-formed reply: ``reply(model, messages)`` as the text, usage from word counts.
``429``         rate limited, with a ``Retry-After`` header (``retry_after`` seconds).
``500``         an internal server error.
``timeout``     no answer for ``hang`` seconds (give the client a smaller timeout); the handler gives up early
                when the client disconnects or the server stops, so a stop never waits for it.
``junk``        200 whose body is not JSON (an HTML error page, as from a misbehaving proxy).
``empty``       200 with no choices (OpenAI ``choices: []``; Anthropic ``content: []``).
``empty_text``  200 with one choice whose text is ``""``.
``auth``        401 unless the request carries ``expected_key`` (``Authorization: Bearer <key>``, or Anthropic's
                ``x-api-key: <key>``); with the right key it is ``ok``. ``require_key=True`` checks every
                request this way, before its outcome.

Every request is recorded (``requests``: path, model, headers, the key it carried, body, when it arrived and
finished, the status answered), and the server counts requests in flight: ``max_in_flight`` is the most at
once, so a per-request ``delay`` lets a test measure a client's concurrency.

The server runs uvicorn in a thread of its own on 127.0.0.1 and a free port; ``start()`` returns once it
accepts connections and ``stop()`` returns once the thread has ended and the port is closed. The ``llm_server``
fixture (tests/llm_fixtures.py) gives each test a started one.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Generator, Iterable, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal, get_args

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

Kind = Literal["ok", "429", "500", "timeout", "junk", "empty", "empty_text", "auth"]
KINDS: tuple[str, ...] = get_args(Kind)
Dialect = Literal["openai", "anthropic"]

DEFAULT_REPLY = "This is the test server's reply."
JUNK_BODY = "<html><body><h1>502 Bad Gateway</h1> not JSON at all</body></html>"
PROVIDER_PREFIXES = ("openai/", "anthropic/")

Messages = list[dict[str, str]]
ReplyFunction = Callable[[str, Messages], str]


@dataclass(frozen=True)
class Outcome:
    """One scripted answer.

    ``kind``         one of ``KINDS``.
    ``retry_after``  for ``429``: the Retry-After seconds (None: the server's ``retry_after``). A whole number
                     is sent as an integer, a fraction as is (HTTP says integer; the openai SDK honours both).
    ``delay``        seconds to wait before answering (None: the server's ``delay``).
    """

    kind: Kind = "ok"
    retry_after: float | None = None
    delay: float | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown outcome {self.kind!r}; one of {', '.join(KINDS)}")


OutcomeLike = Outcome | str


def as_outcome(value: OutcomeLike) -> Outcome:
    """An ``Outcome`` from itself or from its kind's name (``"429"``, ``"ok"``...)."""
    if isinstance(value, Outcome):
        return value
    if value not in KINDS:
        raise ValueError(f"unknown outcome {value!r}; one of {', '.join(KINDS)}")
    return Outcome(kind=value)  # type: ignore[arg-type]  # checked against KINDS just above


def model_name(model: str) -> str:
    """The name the server sees: litellm strips the provider prefix (``openai/gpt-x`` arrives as ``gpt-x``)."""
    for prefix in PROVIDER_PREFIXES:
        if model.startswith(prefix):
            return model[len(prefix) :]
    return model


def words(text: str) -> int:
    """The test server's token count: whitespace-separated words."""
    return len(text.split())


def echo_fixed(model: str, messages: Messages) -> str:
    """The default reply: the same fixed text whatever was asked."""
    return DEFAULT_REPLY


@dataclass
class Received:
    """One request as the server saw it.

    ``headers`` are lower-cased; ``api_key`` is the bearer token of ``Authorization`` or else ``x-api-key``
    (None when neither came); ``body`` is the decoded JSON (None when it was not JSON). ``received_at`` and
    ``finished_at`` are ``time.monotonic()`` readings (this process's clock, so tests can compare them with
    their own); ``outcome`` is the planned outcome it took (None: refused with 400, or an unknown path);
    ``status`` is what the server answered (None while it is still answering); ``disconnected`` says the
    client hung up before a ``timeout`` outcome was over.
    """

    path: str
    model: str
    headers: dict[str, str]
    api_key: str | None
    body: Any
    outcome: Kind | None
    received_at: float
    finished_at: float | None = None
    status: int | None = None
    disconnected: bool = False


def _api_key(headers: Mapping[str, str]) -> str | None:
    authorization = headers.get("authorization", "")
    if authorization.lower().startswith("bearer "):
        return authorization[len("bearer ") :].strip()
    return headers.get("x-api-key")


def _text(content: Any) -> str:
    """A message's text: OpenAI and Anthropic both allow a string or a list of typed parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    return "" if content is None else str(content)


def plain_messages(body: Mapping[str, Any]) -> Messages:
    """The request's conversation as ``[{"role", "content"}]`` strings; Anthropic's ``system`` comes first."""
    messages: Messages = []
    if "system" in body:  # Anthropic keeps the system prompt out of the messages
        messages.append({"role": "system", "content": _text(body["system"])})
    for message in body.get("messages") or []:
        if isinstance(message, dict):
            messages.append({"role": str(message.get("role", "")), "content": _text(message.get("content"))})
    return messages


class _Uvicorn(uvicorn.Server):
    """uvicorn without signal handling: the test decides when it stops."""

    @contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


class LLMServer:
    """OpenAI- and Anthropic-shaped model endpoints on 127.0.0.1 with scripted faults; see the module docstring.

    ``models``        names listed by ``/v1/models`` (planned names are listed too).
    ``reply``         ``reply(model, messages) -> text`` for ``ok`` answers (default: a fixed text).
    ``expected_key``  the key ``auth`` outcomes (and ``require_key``) accept.
    ``require_key``   check the key of every request, not only at ``auth`` outcomes.
    ``retry_after``   a ``429``'s Retry-After seconds unless its outcome says otherwise.
    ``delay``         seconds every answer waits unless its outcome says otherwise.
    ``gather``        hold every answer until this many requests are in flight at once (or ``hang`` passes):
                      a concurrency test then needs no timing luck.
    ``hang``          how long a ``timeout`` outcome keeps the client waiting.
    ``default``       the outcome once a model's plan is used up.

    All of these are plain attributes a test may change while the server runs.
    """

    def __init__(
        self,
        *,
        models: Iterable[str] = ("test-model",),
        reply: ReplyFunction = echo_fixed,
        expected_key: str = "k",
        require_key: bool = False,
        retry_after: float = 1.0,
        delay: float = 0.0,
        hang: float = 30.0,
        default: OutcomeLike = "ok",
    ) -> None:
        self.models = [model_name(m) for m in models]
        self.reply = reply
        self.expected_key = expected_key
        self.require_key = require_key
        self.retry_after = retry_after
        self.delay = delay
        self.gather = 0
        self.hang = hang
        self.default = as_outcome(default)
        self._lock = threading.Lock()
        self._plans: dict[str, deque[Outcome]] = {}
        self._requests: list[Received] = []
        self._in_flight = 0
        self._max_in_flight = 0
        self._serial = 0
        self._sock: socket.socket | None = None
        self._uvicorn: _Uvicorn | None = None
        self._thread: threading.Thread | None = None
        self.root_url = ""

    # -- the test's side -------------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """The OpenAI ``api_base``: ``http://127.0.0.1:PORT/v1``."""
        return f"{self.root_url}/v1"

    def plan(self, model: str, outcomes: Iterable[OutcomeLike]) -> None:
        """Queue outcomes for ``model``'s next requests, after any still queued (``openai/`` etc. may prefix it)."""
        queued = [as_outcome(o) for o in outcomes]
        with self._lock:
            self._plans.setdefault(model_name(model), deque()).extend(queued)

    def pending(self, model: str) -> list[Outcome]:
        """The outcomes still queued for ``model``."""
        with self._lock:
            return list(self._plans.get(model_name(model), ()))

    @property
    def requests(self) -> list[Received]:
        """Every request received so far, in arrival order (a copy of the list; the records are live)."""
        with self._lock:
            return list(self._requests)

    def requests_for(self, model: str) -> list[Received]:
        """The requests received for ``model``."""
        name = model_name(model)
        return [r for r in self.requests if r.model == name]

    @property
    def in_flight(self) -> int:
        """Requests being answered right now."""
        with self._lock:
            return self._in_flight

    @property
    def max_in_flight(self) -> int:
        """The most requests that were being answered at once."""
        with self._lock:
            return self._max_in_flight

    # -- lifecycle -------------------------------------------------------------------------------------------

    def start(self, timeout: float = 10.0) -> LLMServer:
        """Bind a free port on 127.0.0.1 and serve from a thread; returns once connections are accepted."""
        if self._thread is not None:
            raise RuntimeError("the test LLM server is already started")
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        sock.listen(256)
        self._sock = sock
        self.root_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        config = uvicorn.Config(
            self.app(), log_level="warning", access_log=False, lifespan="off", timeout_graceful_shutdown=5
        )
        server = self._uvicorn = _Uvicorn(config)
        self._thread = threading.Thread(
            target=lambda: asyncio.run(server.serve(sockets=[sock])), name="llm-test-server", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the test LLM server did not start")
            time.sleep(0.01)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Stop serving and wait for the thread; the port is closed when this returns."""
        if self._uvicorn is not None:
            self._uvicorn.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive() and self._uvicorn is not None:
                self._uvicorn.force_exit = True
                self._thread.join(timeout)
            if self._thread.is_alive():
                raise RuntimeError("the test LLM server's thread did not end")
        if self._sock is not None:
            self._sock.close()
        self._thread = self._uvicorn = self._sock = None

    @property
    def running(self) -> bool:
        """The serving thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    def __enter__(self) -> LLMServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- the server's side -----------------------------------------------------------------------------------

    def app(self) -> Starlette:
        """The ASGI app (``start()`` serves it; a test may also mount it elsewhere)."""

        async def chat_completions(request: Request) -> Response:
            return await self._handle(request, "openai")

        async def messages(request: Request) -> Response:
            return await self._handle(request, "anthropic")

        async def models(request: Request) -> Response:
            with self._lock:
                names = list(dict.fromkeys([*self.models, *self._plans]))
            data = [{"id": name, "object": "model", "created": 0, "owned_by": "assay-tests"} for name in names]
            return JSONResponse({"object": "list", "data": data})

        async def elsewhere(request: Request) -> Response:
            return await self._handle(request, None)

        return Starlette(
            routes=[
                Route("/v1/chat/completions", chat_completions, methods=["POST"]),
                Route("/v1/messages", messages, methods=["POST"]),
                Route("/v1/models", models, methods=["GET"]),
                Route("/{path:path}", elsewhere, methods=["GET", "POST", "PUT", "PATCH", "DELETE"]),
            ]
        )

    def _next(self, model: str) -> Outcome:
        plan = self._plans.get(model)
        return plan.popleft() if plan else self.default

    async def _handle(self, request: Request, dialect: Dialect | None) -> Response:
        """Record the request, count it in flight, and answer it; ``dialect`` None: an unknown path (404)."""
        raw = await request.body()
        try:
            body: Any = json.loads(raw)
        except ValueError:
            body = None
        model = model_name(str(body.get("model", ""))) if isinstance(body, dict) else ""
        headers = {k.lower(): v for k, v in request.headers.items()}
        valid = dialect is not None and isinstance(body, dict) and not body.get("stream")
        with self._lock:
            outcome = self._next(model) if valid else None
            record = Received(
                path=request.url.path,
                model=model,
                headers=headers,
                api_key=_api_key(headers),
                body=body,
                outcome=outcome.kind if outcome else None,
                received_at=time.monotonic(),
            )
            self._requests.append(record)
            self._in_flight += 1
            self._max_in_flight = max(self._max_in_flight, self._in_flight)
            self._serial += 1
            serial = self._serial
        status: int | None = None
        try:
            if dialect is None:
                response: Response = _error("openai", 404, "not_found_error", f"no route {request.url.path}")
            elif outcome is None:
                why = "stream=true is not supported" if isinstance(body, dict) else "the body is not a JSON object"
                response = _error(dialect, 400, "invalid_request_error", why)
            else:
                response = await self._answer(request, dialect, outcome, record, serial)
            status = response.status_code
            return response
        finally:
            with self._lock:
                self._in_flight -= 1
                record.finished_at = time.monotonic()
                record.status = status

    async def _answer(
        self, request: Request, dialect: Dialect, outcome: Outcome, record: Received, serial: int
    ) -> Response:
        delay = self.delay if outcome.delay is None else outcome.delay
        if delay > 0:
            await asyncio.sleep(delay)
        deadline = time.monotonic() + self.hang
        while self.gather and self.max_in_flight < self.gather and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        if (outcome.kind == "auth" or self.require_key) and record.api_key != self.expected_key:
            return _error(dialect, 401, "authentication_error", "invalid api key (test server)")
        kind = outcome.kind
        if kind == "429":
            seconds = self.retry_after if outcome.retry_after is None else outcome.retry_after
            response = _error(dialect, 429, "rate_limit_error", "rate limit reached (test server)")
            response.headers["retry-after"] = str(int(seconds)) if float(seconds).is_integer() else str(seconds)
            return response
        if kind == "500":
            return _error(dialect, 500, "api_error", "internal server error (test server)")
        if kind == "timeout":
            record.disconnected = await self._hang(request)
            return _error(dialect, 504, "timeout", "the test server hung on purpose")
        if kind == "junk":
            return Response(JUNK_BODY, status_code=200, media_type="text/html")
        messages = plain_messages(record.body)
        text = "" if kind == "empty_text" else self.reply(record.model, messages)
        usage = (sum(words(m["content"]) for m in messages), words(text))
        if dialect == "anthropic":
            return JSONResponse(_anthropic_reply(serial, record.model, None if kind == "empty" else text, usage))
        return JSONResponse(_openai_reply(serial, record.model, None if kind == "empty" else text, usage))

    async def _hang(self, request: Request) -> bool:
        """Wait ``hang`` seconds, less if the server stops; True when the client hung up first."""
        deadline = time.monotonic() + self.hang
        while time.monotonic() < deadline and not (self._uvicorn and self._uvicorn.should_exit):
            if await request.is_disconnected():
                return True
            await asyncio.sleep(0.02)
        return False


def _error(dialect: Dialect, status: int, kind: str, message: str) -> JSONResponse:
    if dialect == "anthropic":
        return JSONResponse({"type": "error", "error": {"type": kind, "message": message}}, status_code=status)
    return JSONResponse({"error": {"message": message, "type": kind, "param": None, "code": None}}, status_code=status)


def _openai_reply(serial: int, model: str, text: str | None, usage: tuple[int, int]) -> dict[str, Any]:
    choices = (
        []
        if text is None
        else [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}]
    )
    return {
        "id": f"chatcmpl-test-{serial}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": choices,
        "usage": {"prompt_tokens": usage[0], "completion_tokens": usage[1], "total_tokens": sum(usage)},
    }


def _anthropic_reply(serial: int, model: str, text: str | None, usage: tuple[int, int]) -> dict[str, Any]:
    return {
        "id": f"msg_test_{serial}",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [] if text is None else [{"type": "text", "text": text}],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": usage[0], "output_tokens": usage[1]},
    }
