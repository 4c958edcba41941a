"""The panel as a litellm custom provider "local": ``model="local/solver-strong"`` and so on.

A documented stand-in for hosted models (this machine has no network). Environment:
  ASSAY_PANEL_LATENCY_MS   simulated latency per async call (float, default 0)
  ASSAY_PANEL_FAIL_MODEL   a model name that always fails with a connection error (bad-input tests)
"""

from __future__ import annotations

import asyncio
import math
import os
import time
from typing import Any

from panel.protocol import PROFILES, respond

PROVIDER = "local"


def _tokens(text: str) -> int:
    return max(1, math.ceil(len(text) / 4))


def _failing(model: str) -> bool:
    bad = os.environ.get("ASSAY_PANEL_FAIL_MODEL", "").strip()
    return bool(bad) and bad.removeprefix(f"{PROVIDER}/") == model.removeprefix(f"{PROVIDER}/")


def _handler_class(litellm: Any) -> type:
    class Panel(litellm.CustomLLM):
        """Deterministic replies from (model, messages, seed, temperature); no state between calls."""

        def completion(self, model: str, messages: list, *args: Any, **kwargs: Any) -> Any:
            if _failing(model):
                raise litellm.APIConnectionError(
                    message=f"panel model {model} is configured to fail", llm_provider=PROVIDER, model=model
                )
            params = kwargs.get("optional_params") or {}
            plain = [{"role": str(m.get("role")), "content": str(m.get("content") or "")} for m in messages]
            text = respond(model, plain, params.get("seed"), params.get("temperature"))
            prompt_tokens = sum(_tokens(m["content"]) for m in plain)
            completion_tokens = _tokens(text)
            return litellm.ModelResponse(
                model=f"{PROVIDER}/{model}",
                created=int(time.time()),
                choices=[{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": text}}],
                usage={
                    "prompt_tokens": prompt_tokens,
                    "completion_tokens": completion_tokens,
                    "total_tokens": prompt_tokens + completion_tokens,
                },
            )

        async def acompletion(self, model: str, messages: list, *args: Any, **kwargs: Any) -> Any:
            latency = float(os.environ.get("ASSAY_PANEL_LATENCY_MS") or 0)
            if latency > 0:
                await asyncio.sleep(latency / 1000)
            return self.completion(model, messages, *args, **kwargs)

    return Panel


def register(litellm: Any) -> None:
    """Register the "local" provider and the price of every panel model with litellm (idempotent)."""
    handler = _handler_class(litellm)()
    others = [p for p in (litellm.custom_provider_map or []) if p.get("provider") != PROVIDER]
    litellm.custom_provider_map = [*others, {"provider": PROVIDER, "custom_handler": handler}]
    litellm.register_model(
        {
            f"{PROVIDER}/{name}": {
                "litellm_provider": PROVIDER,
                "mode": "chat",
                "max_tokens": 4096,
                "input_cost_per_token": p.input_cost,
                "output_cost_per_token": p.output_cost,
                "cache_creation_input_token_cost": 0.0,
                "cache_read_input_token_cost": 0.0,
            }
            for name, p in PROFILES.items()
        }
    )
