"""The models a spec calls, resolved and checked before anything is recorded (the preflight), and listed.

For every model a role names: its deployments (or the plain litellm model), each with its provider, endpoint,
key, limits and price. A model passes when its provider is known (a custom provider's model must be one it
registered, e.g. a panel name), its key is in the environment, it is priced (by litellm's map, by
``model_info`` or as ``free = true``) and, unless the call is skipped, it answers a 1-token request.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from adapters.llm import LLM, ModelError, load_litellm
from domain.errors import InvalidInput
from domain.spec import Deployment, ModelInfo, Spec

PING = [{"role": "user", "content": "Reply with the single word OK."}]


class PreflightError(InvalidInput):
    """A model of the spec cannot be used: the message names the model and what is missing. Nothing was written."""


@dataclass
class Endpoint:
    """One deployment as checked: what it calls, where, with which key, limits and price, and how it answered."""

    model: str
    provider: str = ""
    api_base: str = ""
    key: str = ""  # "NAME: set (sk-…1234)", "NAME: missing", or "" where none is needed
    limits: dict[str, Any] = field(default_factory=dict)
    price: str = ""  # "$0.15 / $0.60 per M tokens (model_info)", "free", "unpriced"
    answered: bool | None = None  # None: not called
    latency_ms: float | None = None
    problems: list[str] = field(default_factory=list)


@dataclass
class ModelCheck:
    """A model name the spec's roles use, and its endpoints."""

    name: str
    roles: list[str]
    endpoints: list[Endpoint]

    @property
    def problems(self) -> list[str]:
        return [p for e in self.endpoints for p in e.problems]


def check(spec: Spec, call: bool = True, llm: LLM | None = None) -> list[ModelCheck]:
    """Every model of ``spec`` resolved and checked (``call``: each endpoint also answers a 1-token request),
    the fallbacks of the models roles use included."""
    roles = spec.role_models()
    used = set(roles.values())
    for rule in spec.fallbacks:
        for name, others in rule.items():
            if name in used:
                roles.update({f"fallback {i} of {name}": o for i, o in enumerate(others, 1) if o not in used})
    return check_roles(spec.model_list, roles.items(), call, llm)


def check_plain(names: list[str], call: bool = True, llm: LLM | None = None) -> list[ModelCheck]:
    """Plain litellm models (``assay eval --model``), checked like a spec's."""
    return check_roles([], [("eval", name) for name in names], call, llm)


def check_roles(
    deployments: Sequence[Deployment], roles: Iterable[tuple[str, str]], call: bool = True, llm: LLM | None = None
) -> list[ModelCheck]:
    """The models named in ``roles`` ((role, model name or litellm model) pairs), with these deployments."""
    by_name: dict[str, list[str]] = {}
    for role, name in roles:
        by_name.setdefault(name, []).append(role)
    checks = [
        ModelCheck(name, roles, [_endpoint(d) for d in _of(deployments, name) or [Deployment(name, {"model": name})]])
        for name, roles in by_name.items()
    ]
    if call:
        asyncio.run(_ping_all(llm or LLM(timeout=30.0, num_retries=0), deployments, checks))
    return checks


def _of(deployments: Sequence[Deployment], name: str) -> list[Deployment]:
    return [d for d in deployments if d.model_name == name]


def preflight(spec: Spec, call: bool = True, llm: LLM | None = None) -> list[ModelCheck]:
    """``check``, raising PreflightError naming each model and what is missing when any endpoint fails."""
    return refuse_unready(check(spec, call, llm))


def refuse_unready(checks: list[ModelCheck]) -> list[ModelCheck]:
    """``checks`` when every endpoint passed; PreflightError naming each model and what is missing otherwise."""
    problems = [
        f"{c.name} ({', '.join(c.roles)}){'' if e.model == c.name else f' via {e.model}'}: {p}"
        for c in checks
        for e in c.endpoints
        for p in e.problems
    ]
    if problems:
        listed = f" {problems[0]}" if len(problems) == 1 else "\n  " + "\n  ".join(problems)  # one: one line
        raise PreflightError(f"models not ready; nothing was recorded:{listed}")
    return checks


def as_dict(checks: list[ModelCheck]) -> list[dict[str, Any]]:
    return [{"name": c.name, "roles": c.roles, "endpoints": [asdict(e) for e in c.endpoints]} for c in checks]


def _endpoint(d: Deployment) -> Endpoint:
    litellm = load_litellm()
    params = d.litellm_params
    end = Endpoint(model=d.model, api_base=str(params.get("api_base") or ""))
    end.limits = {k: params[k] for k in ("rpm", "tpm", "timeout", "max_retries") if k in params}
    try:
        _, end.provider, _, _ = litellm.get_llm_provider(d.model, api_base=params.get("api_base"))
    except Exception:
        end.problems.append("no litellm provider is known for this model")
        return end
    custom = {p.get("provider") for p in litellm.custom_provider_map or []}
    known = _known_cost(litellm, d.model)
    if end.provider in custom and known is None:
        end.problems.append(f"the {end.provider} provider has no model of that name")
        return end
    end.key = _key(litellm, d, end)
    end.price = _price(d.model_info, known)
    if end.price == "unpriced":
        end.problems.append(
            "unpriced (litellm has no price for it): give model_info input_cost_per_token and "
            "output_cost_per_token, or free = true"
        )
    return end


def _known_cost(litellm: Any, model: str) -> dict[str, Any] | None:
    for name in (model, model.split("/", 1)[-1]):
        if name in litellm.model_cost:
            return dict(litellm.model_cost[name])
    return None


def _key(litellm: Any, d: Deployment, end: Endpoint) -> str:
    if d.key_env is not None:
        value = os.environ.get(d.key_env, "")
        if not value:
            end.problems.append(f"its key is missing: set {d.key_env}")
            return f"{d.key_env}: missing"
        return f"{d.key_env}: set ({_mask(value)})"
    if end.api_base:  # a self-hosted endpoint may need no key; the call below tells
        return ""
    try:
        missing = litellm.validate_environment(d.model).get("missing_keys") or []
    except Exception:
        missing = []
    if missing:
        end.problems.append(f"its key is missing: set {' or '.join(missing)}")
        return f"{', '.join(missing)}: missing"
    return ""


def _mask(value: str) -> str:
    return f"{value[:3]}…{value[-4:]}" if len(value) >= 12 else "…"


def _price(info: ModelInfo, known: dict[str, Any] | None) -> str:
    if info.free:
        return "free"
    if info.priced:
        return f"{_per_m(info.input_cost_per_token)} / {_per_m(info.output_cost_per_token)} per M tokens (model_info)"
    if known and known.get("input_cost_per_token") is not None:
        if not (known["input_cost_per_token"] or known.get("output_cost_per_token")):
            return "free (litellm)"
        return (
            f"{_per_m(known['input_cost_per_token'])} / {_per_m(known.get('output_cost_per_token'))} per M tokens "
            "(litellm)"
        )
    return "unpriced"


def _per_m(cost: float | None) -> str:
    return f"${(cost or 0.0) * 1e6:.2f}"


async def _ping_all(llm: LLM, deployments: Sequence[Deployment], checks: list[ModelCheck]) -> None:
    """A 1-token request to each endpoint that passed the other checks, all at once."""
    calls = []
    for c in checks:
        mine: list[Deployment | None] = [*_of(deployments, c.name)] or [None]
        for end, d in zip(c.endpoints, mine, strict=True):
            if not end.problems:
                calls.append(_ping(llm, c.name, end, d))
    await asyncio.gather(*calls)


async def _ping(llm: LLM, name: str, end: Endpoint, d: Deployment | None) -> None:
    try:
        reply = await llm.complete("preflight", name, PING, max_tokens=1, deployments=[d] if d else ())
    except ModelError as exc:
        end.answered, end.latency_ms = False, exc.receipt.latency_ms
        end.problems.append(f"it did not answer a 1-token request: {exc.receipt.error or exc}"[:400])
        return
    end.answered, end.latency_ms = True, reply.receipt.latency_ms
