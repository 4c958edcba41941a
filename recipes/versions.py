"""Gate versions: a short hash of what decides a gate's verdict, recorded on every gate result.

A gate's version covers its class's source code, its name and reads, its instance attributes (functions by
their source, so a changed prompt builder changes the version), and the spec settings gates read: ``[gates]``
and ``[models]`` (but the author, whom no gate calls), plus ``[probe]`` for the probe gate. Helpers in other
modules are not hashed: a version says "this gate's code and configuration", not "everything it imports".
"""

from __future__ import annotations

import hashlib
import inspect
import json
from functools import lru_cache
from typing import Any

import msgspec

from domain.spec import Spec

LENGTH = 12
_DEPTH = 4  # how deep instance attributes are described (objects inside objects)


@lru_cache(maxsize=512)
def _source_hash(obj: Any) -> str:
    try:
        text = inspect.getsource(obj)
    except (OSError, TypeError):  # built in, or defined where no source is kept
        text = f"{getattr(obj, '__module__', '?')}.{getattr(obj, '__qualname__', repr(obj))}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _describe(value: Any, depth: int = 0) -> Any:
    """Plain, process-independent data for a configuration value (never an id() or a memory address)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [_describe(v, depth + 1) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted((_describe(v, depth + 1) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
    if isinstance(value, dict):
        return {str(k): _describe(v, depth + 1) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, msgspec.Struct):
        return _describe(msgspec.to_builtins(value), depth + 1)
    func = getattr(value, "__func__", value)  # a bound method: its function, not the object it is bound to
    if inspect.isfunction(func) or inspect.isbuiltin(func):
        return f"{func.__module__}.{func.__qualname__}#{_source_hash(func)}"
    if depth >= _DEPTH or not hasattr(value, "__dict__"):
        return type(value).__qualname__
    return {"class": type(value).__qualname__, "attrs": _describe(vars(value), depth + 1)}


def gate_config(gate: Any, spec: Spec | None = None, *, probe: bool = False) -> dict[str, Any]:
    """Everything a gate's version covers, as plain data."""
    attrs = {k: v for k, v in vars(gate).items() if k not in ("name", "reads")} if hasattr(gate, "__dict__") else {}
    cls: type = type(gate)  # as `type`, not `type[Any]`, which mypy does not see as Hashable for the cache
    config: dict[str, Any] = {
        "class": f"{cls.__module__}.{cls.__qualname__}#{_source_hash(cls)}",
        "name": gate.name,
        "reads": _describe(frozenset(gate.reads)),
        "attrs": _describe(attrs),
    }
    if spec is not None:
        models = {k: v for k, v in msgspec.to_builtins(spec.models).items() if k != "author"}
        config["spec"] = {"gates": msgspec.to_builtins(spec.gates), "models": models}
        if probe:
            config["spec"]["probe"] = msgspec.to_builtins(spec.probe)
            config["spec"]["panel"] = msgspec.to_builtins(spec.panel_plan())
    return config


def gate_version(gate: Any, spec: Spec | None = None, *, probe: bool = False) -> str:
    """A short hash of the gate's code and configuration."""
    blob = json.dumps(gate_config(gate, spec, probe=probe), sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:LENGTH]


def gate_versions(recipe: Any, spec: Spec | None = None) -> dict[str, str]:
    """Gate name -> version, in the recipe's order."""
    return {g.name: gate_version(g, spec, probe=g.name == recipe.probe_gate) for g in recipe.gates}
