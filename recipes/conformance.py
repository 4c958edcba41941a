"""What every recipe must provide, checked when it is built: a plug-in author gets every gap at once."""

from __future__ import annotations

import inspect
from typing import Any

METHODS = {
    "validate": False,
    "draft": True,
    "repair": True,
    "attempt": True,
    "novelty_text": False,
    "render": False,
}
FINAL_GATE = "final"


def problems(recipe: Any) -> list[str]:
    """Everything that keeps ``recipe`` from running through the harness; [] when it conforms."""
    found: list[str] = []
    if not isinstance(getattr(recipe, "name", None), str) or not recipe.name:
        found.append("no 'name' (a non-empty string)")
    for method, is_async in METHODS.items():
        fn = getattr(recipe, method, None)
        if not callable(fn):
            found.append(f"no method {method}()")
        elif is_async != inspect.iscoroutinefunction(fn):
            found.append(f"{method}() must be {'async' if is_async else 'a plain function'}")
    gates = getattr(recipe, "gates", None)
    if not isinstance(gates, list) or not gates:
        return [*found, "no 'gates' (a non-empty list, cheapest first)"]
    names = [getattr(g, "name", None) for g in gates]
    for i, gate in enumerate(gates, 1):
        label = names[i - 1] or f"gate {i}"
        if not isinstance(names[i - 1], str):
            found.append(f"gate {i} has no 'name'")
        if not isinstance(getattr(gate, "reads", None), frozenset):
            found.append(f"gate {label!r} has no 'reads' (a frozenset of the payload fields it inspects)")
        if not inspect.iscoroutinefunction(getattr(gate, "check", None)):
            found.append(f"gate {label!r} has no async check(payload, ctx)")
    repeated = sorted({n for n in names if isinstance(n, str) and names.count(n) > 1})
    if repeated:
        found.append(f"gate names repeat ({', '.join(repeated)})")
    probe = getattr(recipe, "probe_gate", None)
    if probe not in names:
        found.append(f"probe_gate {probe!r} is not one of the gates ({', '.join(map(str, names))})")
    if names[-1] != FINAL_GATE:
        found.append(f"the last gate must be the final quality check named {FINAL_GATE!r} (got {names[-1]!r})")
    return found


def render_point(recipe: Any, payload: dict[str, Any], details: dict[str, dict[str, Any]]) -> str:
    """The reviewer's view of a point: ``render_results`` when the recipe shows gate details, else ``render``."""
    extended = getattr(recipe, "render_results", None)
    return str(extended(payload, details)) if callable(extended) else str(recipe.render(payload))
