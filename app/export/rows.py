"""One flat row per approved point: the schema every tabular export (Parquet, Hugging Face, Inspect) shares.

``rows`` is a pure function of the dataset's points: the same ledger gives the same rows, in verdict order.
Nested values (payload, coordinate, pass@k) are JSON text with sorted keys, so every recipe fits one schema.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

SCHEMA_VERSION = 1

# (name, type, description); types: string, int64, float64, bool, list<string>. Nullable: band, solve_rate, in_band.
COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("id", "string", "the candidate id (a UUID)"),
    ("schema_version", "int64", "this row schema's version"),
    ("recipe", "string", "ground_truth, agent_step, rubric, ..."),
    ("spec_name", "string", "the spec of the run that made the point"),
    ("run_id", "string", "the run that made the point"),
    ("index", "int64", "the lever pull within the run"),
    ("coordinate", "string", "the sampled coordinate, JSON"),
    ("input", "string", "the task as a solver sees it"),
    ("target", "string", "the reference: an answer, an action, or rubric criteria as JSON"),
    ("payload", "string", "the approved payload, JSON with sorted keys"),
    ("edited", "bool", "the reviewer edited the payload"),
    ("band", "string", "difficulty band from the probe"),
    ("solve_rate", "float64", "share of the panel's samples that passed"),
    ("in_band", "bool", "the band was the one the spec asked for"),
    ("passed_models", "list<string>", "panel models that solved it at least once"),
    ("panel_models", "list<string>", "panel models probed, strongest first"),
    ("pass_at_k", "string", "per model: n, c and pass@k, JSON"),
    ("calls", "int64", "model calls behind the point"),
    ("prompt_tokens", "int64", "prompt tokens of those calls"),
    ("completion_tokens", "int64", "completion tokens of those calls"),
    ("tokens", "int64", "prompt plus completion tokens"),
    ("cost_usd", "float64", "cost of those calls in US dollars"),
    ("models", "list<string>", "every model called for the point, sorted"),
    ("reviewer", "string", "who approved it"),
    ("verdict", "string", "approve or edit"),
    ("reason", "string", "the reviewer's note, if any"),
    ("checklist_version", "int64", "reflection checklist version the author saw"),
    ("approved_at", "string", "when the verdict was recorded (ISO 8601, from the ledger)"),
    ("position", "int64", "the verdict's position in the ledger: the row order"),
)
NAMES = tuple(name for name, _, _ in COLUMNS)


def canonical(value: Any) -> str:
    """JSON text with sorted keys and no ASCII escaping: equal values give equal strings."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _answer_text(answer: Any) -> str:
    if isinstance(answer, float) and math.isfinite(answer) and answer.is_integer():
        return str(int(answer))
    return answer if isinstance(answer, str) else canonical(answer)


def _ground_truth(p: dict[str, Any]) -> tuple[str, str]:
    return str(p.get("prompt", "")), _answer_text(p.get("answer", ""))


def _agent_step(p: dict[str, Any]) -> tuple[str, str]:
    from recipes.agent_step.items import reference
    from recipes.agent_step.prompts import task

    return task(p), reference(p)


def _rubric(p: dict[str, Any]) -> tuple[str, str]:
    return str(p.get("prompt", "")), canonical(p.get("criteria", []))


def _other(p: dict[str, Any]) -> tuple[str, str]:
    """A recipe this module does not know: its prompt if it has one, else the payload; its answer if any."""
    text = p.get("prompt")
    return (text if isinstance(text, str) else canonical(p)), _answer_text(p.get("answer", ""))


INPUT_TARGET: dict[str, Callable[[dict[str, Any]], tuple[str, str]]] = {
    "ground_truth": _ground_truth,
    "agent_step": _agent_step,
    "rubric": _rubric,
}


def input_target(recipe: str, payload: dict[str, Any]) -> tuple[str, str]:
    """The task text and the reference text of a payload, by recipe."""
    return INPUT_TARGET.get(recipe, _other)(payload)


def row(point: dict[str, Any]) -> dict[str, Any]:
    """One point of ``projections.dataset.Dataset.points()`` as a flat row (keys in COLUMNS order)."""
    payload, diff, receipts = point["payload"], point.get("difficulty") or {}, point.get("receipts") or {}
    text, target = input_target(point["recipe"], payload)
    outcomes = diff.get("outcomes") or []
    values = {
        "id": point["candidate_id"],
        "schema_version": SCHEMA_VERSION,
        "recipe": point["recipe"],
        "spec_name": point.get("spec_name", ""),
        "run_id": point.get("run_id", ""),
        "index": point.get("index", 0),
        "coordinate": canonical(point.get("coordinate") or {}),
        "input": text,
        "target": target,
        "payload": canonical(payload),
        "edited": bool(point.get("edited")),
        "band": diff.get("band"),
        "solve_rate": diff.get("solve_rate"),
        "in_band": diff.get("in_band"),
        "passed_models": list(diff.get("passed_models") or []),
        "panel_models": [o["model"] for o in outcomes],
        "pass_at_k": canonical({o["model"]: {"n": o["n"], "c": o["c"], "pass_at_k": o["pass_at_k"]} for o in outcomes}),
        "calls": receipts.get("calls", 0),
        "prompt_tokens": receipts.get("prompt_tokens", 0),
        "completion_tokens": receipts.get("completion_tokens", 0),
        "tokens": receipts.get("tokens", 0),
        "cost_usd": float(receipts.get("cost_usd", 0.0)),
        "models": list(receipts.get("models") or []),
        "reviewer": point.get("reviewer", ""),
        "verdict": point.get("verdict", ""),
        "reason": point.get("reason") or "",
        "checklist_version": point.get("checklist_version", 0),
        "approved_at": str(point.get("approved_at", "")),
        "position": point.get("position", 0),
    }
    return {name: values[name] for name in NAMES}


def rows(points: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every point as a row, in ledger order of the verdicts."""
    return [row(p) for p in sorted(points, key=lambda p: p.get("position", 0))]
