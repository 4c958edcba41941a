"""Every try of a model call: litellm's Router retries a failed try (honouring ``Retry-After``), and a litellm
callback sees each one. This module collects them per call, so the call's receipt can list each try with its
status, error class, latency and the pause before the next.

A call passes ``metadata={CALL_KEY: call_id}``; litellm hands that back to the callback with every try.
Callbacks run in the calling coroutine (litellm awaits its failure hooks before it retries), so by the time a
call returns or raises, every try but the last has been reported.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from domain.facts import Try

CALL_KEY = "assay_call"
ANSWERED = 200


@dataclass
class _Open:
    """One try as it happens: when it started, on which deployment, and how it ended."""

    start: float
    deployment: str
    end: float | None = None
    status: int = 0
    error: str = ""
    retry_after_s: float | None = None

    def fail(self, exc: BaseException | None, end: float) -> None:
        """End this try with ``exc``: its status, error class and the Retry-After its endpoint asked for."""
        self.end = max(end, self.start)
        self.status = status_of(exc)
        self.error = type(exc).__name__ if exc is not None else "Error"
        self.retry_after_s = retry_after(exc)


_calls: dict[str, list[_Open]] = {}


def begin(call_id: str) -> None:
    """Start collecting the tries of one call."""
    _calls[call_id] = []


def discard(call_id: str) -> None:
    """Stop collecting (a cancelled call leaves nothing behind)."""
    _calls.pop(call_id, None)


def _call_of(kwargs: dict[str, Any]) -> tuple[list[_Open] | None, str]:
    params = kwargs.get("litellm_params") or {}
    metadata = params.get("metadata") or {}
    tries = _calls.get(str(metadata.get(CALL_KEY, "")))
    deployment = str((params.get("model_info") or {}).get("id", ""))
    return tries, deployment


def started(kwargs: dict[str, Any]) -> None:
    """A try is about to reach its endpoint."""
    tries, deployment = _call_of(kwargs)
    if tries is not None:
        tries.append(_Open(start=time.time(), deployment=deployment))


def failed(kwargs: dict[str, Any], end_time: Any) -> None:
    """A try failed: its status, error class and the Retry-After its endpoint asked for."""
    tries, deployment = _call_of(kwargs)
    if tries is None:
        return
    end = end_time.timestamp() if hasattr(end_time, "timestamp") else time.time()
    if not tries or tries[-1].end is not None:  # failed before reaching the endpoint (no start reported)
        tries.append(_Open(start=end, deployment=deployment))
    tries[-1].fail(kwargs.get("exception"), end)


def status_of(exc: BaseException | None) -> int:
    """The HTTP status litellm gives an exception (0 when it has none, e.g. a refused connection)."""
    try:
        return int(getattr(exc, "status_code", 0) or 0)
    except (TypeError, ValueError):
        return 0


def retry_after(exc: BaseException | None) -> float | None:
    """The ``Retry-After`` seconds an error response carried, if any (an HTTP date is not a number: None)."""
    headers = getattr(exc, "litellm_response_headers", None) or getattr(getattr(exc, "response", None), "headers", None)
    value = headers.get("retry-after") if headers is not None else None
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def finish(call_id: str, labels: Sequence[str], outcome: BaseException | None = None, error: str = "") -> list[Try]:
    """The call's tries, in order, once it has returned (``outcome`` None) or raised ``outcome``. The last try
    ends now unless its failure was reported; ``error`` marks an answered try whose reply was unusable.
    ``labels`` name deployments by their id (their place in the Router's model list)."""
    tries = _calls.pop(call_id, [])
    now = time.time()
    if not tries:
        tries.append(_Open(start=now, deployment=""))
    last = tries[-1]
    if last.end is None:
        if outcome is None:
            last.end, last.status, last.error = now, ANSWERED, error
        else:
            last.fail(outcome, now)
    out: list[Try] = []
    for i, t in enumerate(tries):
        end = t.end if t.end is not None else now
        after = tries[i + 1].start - end if i + 1 < len(tries) else 0.0
        out.append(
            Try(
                status=t.status,
                error=t.error,
                latency_ms=round(max(end - t.start, 0.0) * 1000, 3),
                retry_after_s=t.retry_after_s,
                waited_ms=round(max(after, 0.0) * 1000, 3),
                deployment=_label(labels, t.deployment),
            )
        )
    return out


def _label(labels: Sequence[str], deployment: str) -> str:
    try:
        return labels[int(deployment)]
    except (ValueError, IndexError):
        return ""


def callback() -> Any:
    """The litellm callback that reports tries here (made lazily: litellm takes seconds to import)."""
    from litellm.integrations.custom_logger import CustomLogger

    class TryLogger(CustomLogger):
        def log_pre_api_call(self, model: Any, messages: Any, kwargs: Any) -> None:
            started(kwargs)

        async def async_log_failure_event(self, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any) -> None:
            failed(kwargs, end_time)

    return TryLogger()
