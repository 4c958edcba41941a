"""Every model call goes through here: litellm underneath, a receipt for each call on top."""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import time
from typing import Any

from domain.facts import Receipt
from recipes.base import Completion

DEFAULT_PROVIDERS = "panel.provider"


class ModelError(Exception):
    """A model call failed or returned nothing usable; carries the receipt of the attempt."""

    def __init__(self, message: str, receipt: Receipt) -> None:
        super().__init__(message)
        self.receipt = receipt


def _sha(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


_litellm: Any = None


def _load_litellm() -> Any:
    """Import litellm lazily (it takes seconds) and offline, then register configured providers."""
    global _litellm
    if _litellm is None:
        os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
        import litellm

        litellm.suppress_debug_info = True
        litellm.set_verbose = False
        _litellm = litellm
        # Custom providers are plug-ins named by configuration; each module registers itself with litellm.
        for name in filter(None, os.environ.get("ASSAY_LLM_PROVIDERS", DEFAULT_PROVIDERS).split(",")):
            importlib.import_module(name.strip()).register(litellm)
    return _litellm


class LLM:
    """Calls models by litellm name and returns text with a receipt. No response cache, on purpose."""

    def __init__(self, timeout: float = 60.0, num_retries: int = 2) -> None:
        self.timeout = timeout
        self.num_retries = num_retries

    async def complete(
        self,
        role: str,
        model: str,
        messages: list[dict[str, str]],
        *,
        sample: int = 0,
        seed: int | None = None,
        temperature: float | None = None,
        max_tokens: int | None = None,
    ) -> Completion:
        """One distinct request: ``sample`` and ``seed`` are part of it, so samples never collapse."""
        litellm = _load_litellm()
        kwargs: dict[str, Any] = {"timeout": self.timeout, "num_retries": self.num_retries}
        if seed is not None:
            kwargs["seed"] = seed
        if temperature is not None:
            kwargs["temperature"] = temperature
        if max_tokens is not None:
            kwargs["max_tokens"] = max_tokens
        prompt_hash = _sha({"model": model, "messages": messages, "seed": seed, "sample": sample})
        started = time.perf_counter()
        try:
            response = await litellm.acompletion(model=model, messages=messages, **kwargs)
        except Exception as exc:  # litellm maps provider errors to its own exception types
            receipt = Receipt(
                role=role,
                model=model,
                prompt_sha256=prompt_hash,
                response_sha256="",
                latency_ms=round((time.perf_counter() - started) * 1000, 3),
                sample=sample,
                seed=seed,
                error=f"{type(exc).__name__}: {exc}"[:500],
            )
            raise ModelError(f"{role} model {model} failed: {type(exc).__name__}: {exc}"[:500], receipt) from None
        latency = round((time.perf_counter() - started) * 1000, 3)
        text = (response.choices[0].message.content or "") if response.choices else ""
        usage = getattr(response, "usage", None)
        receipt = Receipt(
            role=role,
            model=model,
            prompt_sha256=prompt_hash,
            response_sha256=hashlib.sha256(text.encode()).hexdigest(),
            prompt_tokens=int(getattr(usage, "prompt_tokens", 0) or 0),
            completion_tokens=int(getattr(usage, "completion_tokens", 0) or 0),
            cost_usd=_cost(litellm, response),
            latency_ms=latency,
            sample=sample,
            seed=seed,
        )
        if not text.strip():
            raise ModelError(f"{role} model {model} returned an empty response", receipt)
        return Completion(text=text, receipt=receipt)


def _cost(litellm: Any, response: Any) -> float:
    hidden = getattr(response, "_hidden_params", {}) or {}
    if hidden.get("response_cost") is not None:
        return float(hidden["response_cost"])
    try:
        return float(litellm.completion_cost(completion_response=response))
    except Exception:  # an unpriced model costs what we cannot know: record zero, not a crash
        return 0.0
