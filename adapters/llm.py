"""Every model call goes through here: litellm underneath, a receipt for each call on top."""

from __future__ import annotations

import hashlib
import importlib
import json
import logging
import os
import time
import uuid
from collections.abc import Sequence
from typing import Any

import msgspec

from adapters import tries
from domain.facts import Receipt, Try
from domain.spec import Deployment, ModelInfo
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


def load_litellm() -> Any:
    """Import litellm lazily (it takes seconds) and offline, then register configured providers."""
    global _litellm
    if _litellm is None:
        os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
        import litellm

        litellm.suppress_debug_info = True
        litellm.set_verbose = False
        # litellm's own logger writes warnings to stderr (e.g. about cache prices of custom-priced models);
        # Assay's receipts and structured logs say what matters.
        logging.getLogger("LiteLLM").setLevel(logging.ERROR)
        _litellm = litellm
        # Only the hooks tries needs (each try's start and failure): a success callback would make litellm build
        # its whole logging payload for every call.
        logger = tries.callback()
        litellm.input_callback.append(logger)
        litellm.logging_callback_manager.add_litellm_async_failure_callback(logger)
        # Custom providers are plug-ins named by configuration; each module registers itself with litellm.
        for name in filter(None, os.environ.get("ASSAY_LLM_PROVIDERS", DEFAULT_PROVIDERS).split(",")):
            importlib.import_module(name.strip()).register(litellm)
    return _litellm


class LLM:
    """Calls models by litellm name, or by a spec deployment's ``model_name`` through a litellm Router, and returns
    text with a receipt. No response cache, on purpose."""

    def __init__(self, timeout: float | None = None, num_retries: int | None = None) -> None:
        if timeout is None or num_retries is None:  # ASSAY_LLM_TIMEOUT / ASSAY_LLM_RETRIES
            from adapters.config import load_settings

            settings = load_settings()
            timeout = settings.llm_timeout if timeout is None else timeout
            num_retries = settings.llm_retries if num_retries is None else num_retries
        self.timeout: float = timeout
        self.num_retries: int = num_retries
        self._routers: dict[str, Any] = {}
        self._plain: dict[str, Any] = {}  # plain model -> its Router (no hashing per call)

    def router(self, deployments: Sequence[Deployment], fallbacks: Sequence[dict[str, list[str]]] = ()) -> Any:
        """The litellm Router for these deployments (one per distinct model list, kept for the process): it
        balances deployments of one name, honours their rpm/tpm limits, cools failing ones down, retries
        (with Retry-After) and falls back."""
        key = _sha({"deployments": [msgspec.to_builtins(d) for d in deployments], "fallbacks": list(fallbacks)})
        if key not in self._routers:
            litellm = load_litellm()
            self._routers[key] = litellm.Router(
                model_list=[router_entry(d, i) for i, d in enumerate(deployments)],
                num_retries=self.num_retries,
                timeout=self.timeout,
                fallbacks=list(fallbacks),
            )
        return self._routers[key]

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
        deployments: Sequence[Deployment] = (),
        fallbacks: Sequence[dict[str, list[str]]] = (),
    ) -> Completion:
        """One distinct request: ``sample`` and ``seed`` are part of it, so samples never collapse. A ``model``
        that names deployments goes through their Router; any other is a plain litellm model, called through a
        one-deployment Router of its own (the same retries, each try seen), unless a provider in this process
        serves it (the offline panel): with no endpoint to retry, limit or cool down, it is called directly."""
        litellm = load_litellm()
        mine = [d for d in deployments if d.model_name == model]
        kwargs: dict[str, Any] = {}
        if mine:
            call = self.router(deployments, fallbacks).acompletion
        elif in_process(litellm, model):
            call, deployments = litellm.acompletion, ()
            kwargs.update(timeout=self.timeout, num_retries=0)
        else:
            deployments = (plain_deployment(model),)
            if model not in self._plain:
                self._plain[model] = self.router(deployments)
            call = self._plain[model].acompletion
        if seed is not None:
            kwargs["seed"] = seed
        if temperature is not None:
            kwargs["temperature"] = temperature
        if max_tokens is not None:
            kwargs["max_tokens"] = max_tokens
        prompt_hash = _sha({"model": model, "messages": messages, "seed": seed, "sample": sample})
        call_id = uuid.uuid4().hex
        labels = [label(d) if mine else "" for d in deployments]
        blank = Receipt(role=role, model=model, prompt_sha256=prompt_hash, response_sha256="", sample=sample, seed=seed)
        started = time.perf_counter()
        tries.begin(call_id)
        try:
            response = await call(model=model, messages=messages, metadata={tries.CALL_KEY: call_id}, **kwargs)
        except Exception as exc:  # litellm maps provider errors to its own exception types
            why = describe(exc)
            receipt = _with_tries(blank, tries.finish(call_id, labels, outcome=exc), started, error=why)
            raise ModelError(f"{role} model {model} failed: {why}", receipt) from None
        except BaseException:  # cancelled: nothing to record
            tries.discard(call_id)
            raise
        text = (response.choices[0].message.content or "") if response.choices else ""
        why = "" if text.strip() else ("no choices" if not response.choices else "empty text")
        taken = tries.finish(call_id, labels, error="EmptyResponse" if why else "")
        usage = getattr(response, "usage", None)
        receipt = _with_tries(
            msgspec.structs.replace(
                blank,
                response_sha256=hashlib.sha256(text.encode()).hexdigest(),
                prompt_tokens=int(getattr(usage, "prompt_tokens", 0) or 0),
                completion_tokens=int(getattr(usage, "completion_tokens", 0) or 0),
                cost_usd=_cost(litellm, response, _info(response, deployments) if mine else None),
            ),
            taken,
            started,
            error=f"EmptyResponse: the reply had {why}" if why else "",
        )
        if why:
            raise ModelError(f"{role} model {model} returned an empty response ({why})", receipt)
        return Completion(text=text, receipt=receipt)


def _with_tries(receipt: Receipt, taken: list[Try], started: float, error: str = "") -> Receipt:
    """The call's receipt: the last try's status and deployment, the whole call's latency, and every try when
    there was more than one."""
    last = taken[-1]
    return msgspec.structs.replace(
        receipt,
        latency_ms=round((time.perf_counter() - started) * 1000, 3),
        error=error,
        status=last.status,
        deployment=last.deployment,
        tries=taken if len(taken) > 1 else [],
    )


def describe(exc: BaseException) -> str:
    """``"<ErrorClass>: <message>"``, without litellm's restatements: its message repeats the class
    (``litellm.RateLimitError: RateLimitError: ...``) and the Router appends a paragraph on retries and
    fallbacks (the receipt's tries say that)."""
    name = type(exc).__name__
    text = str(exc).split("\n\nLiteLLM:", 1)[0].strip()
    for prefix in (f"litellm.{name}:", f"{name}:"):
        text = text.removeprefix(prefix).strip()
    return f"{name}: {text}"[:500]


def in_process(litellm: Any, model: str) -> bool:
    """Whether a custom provider registered in this process (``ASSAY_LLM_PROVIDERS``) serves ``model``."""
    provider = model.split("/", 1)[0]
    return any(p.get("provider") == provider for p in litellm.custom_provider_map or ())


def plain_deployment(model: str) -> Deployment:
    """A plain litellm model as a Router deployment of its own name."""
    return Deployment(model_name=model, litellm_params={"model": model})


def label(d: Deployment) -> str:
    """A deployment as receipts name it: its litellm model, and its endpoint when it has one."""
    base = d.litellm_params.get("api_base")
    return f"{d.model} @ {base}" if base else d.model


def router_entry(d: Deployment, index: int) -> dict[str, Any]:
    """A deployment as litellm's Router takes it (``api_key`` stays ``os.environ/NAME``: the Router reads it).
    Its id is its place in the model list, so a reply says which deployment served it."""
    info = {k: v for k, v in msgspec.to_builtins(d.model_info).items() if v is not None and k != "free"}
    params = dict(d.litellm_params)
    # The Router makes every retry (so each try is seen and Retry-After honoured): a deployment's max_retries
    # becomes its Router retries, and the provider SDK never retries on its own.
    if "max_retries" in params and "num_retries" not in params:
        params["num_retries"] = params["max_retries"]
    params["max_retries"] = 0
    return {
        "model_name": d.model_name,
        "litellm_params": params,
        "model_info": {**info, "id": str(index)},
    }


def served_by(response: Any, deployments: Sequence[Deployment]) -> Deployment | None:
    """The deployment whose reply this is (litellm's Router names it by id in the hidden params)."""
    hidden = getattr(response, "_hidden_params", {}) or {}
    try:
        return deployments[int(str(hidden.get("model_id")))]
    except (TypeError, ValueError, IndexError):
        return None


def _info(response: Any, deployments: Sequence[Deployment]) -> ModelInfo | None:
    served = served_by(response, deployments)
    return served.model_info if served is not None else None


def _cost(litellm: Any, response: Any, info: ModelInfo | None = None) -> float:
    """The spec's price where it gives one (free: 0), else litellm's; an unpriced model records 0 (the preflight
    refuses those before a run starts)."""
    if info is not None and info.free:
        return 0.0
    if info is not None and info.input_cost_per_token is not None and info.output_cost_per_token is not None:
        usage = getattr(response, "usage", None)
        prompt = int(getattr(usage, "prompt_tokens", 0) or 0)
        completion = int(getattr(usage, "completion_tokens", 0) or 0)
        return round(prompt * info.input_cost_per_token + completion * info.output_cost_per_token, 12)
    hidden = getattr(response, "_hidden_params", {}) or {}
    if hidden.get("response_cost") is not None:
        return float(hidden["response_cost"])
    try:
        return float(litellm.completion_cost(completion_response=response))
    except Exception:  # an unpriced model costs what we cannot know: record zero, not a crash
        return 0.0
