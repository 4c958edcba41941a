"""Agent flows: per-step pass@k profiles when evaluated points carry a workflow step."""

from __future__ import annotations

from typing import Any

from domain.evaluation import Evaluation
from domain.flows import FlowProfile, step_profile

Row = tuple[str, int, int, int]  # (step, step_index, n, c) for one item


def profile_dict(profile: FlowProfile) -> dict[str, Any]:
    return {
        "steps": [
            {
                "step": s.step,
                "step_index": s.step_index,
                "items": s.items,
                "pass_at_k": dict(s.pass_at_k),
                "loss_share": s.loss_share,
            }
            for s in profile.steps
        ],
        "end_to_end": dict(profile.end_to_end),
        "weakest": list(profile.weakest),
    }


def profiles(models: list[str], rows: dict[str, list[Row]], ks: list[int]) -> list[FlowProfile]:
    """One profile per model; empty when no item names a workflow step."""
    if not any(step for model_rows in rows.values() for step, *_ in model_rows):
        return []
    return [step_profile(m, [r for r in rows[m] if r[0]], ks) for m in models]


def evaluation_profiles(evaluation: Evaluation, models: list[str], ks: list[int]) -> list[FlowProfile]:
    """``profiles`` of a recorded evaluation's results: one per model; empty when no item names a step."""
    rows: dict[str, list[Row]] = {m: [] for m in models}
    for item in evaluation.results.values():
        rows[item.model].append((item.step, item.step_index, item.n, item.c))
    return profiles(models, rows, ks)


def flow_section(models: list[str], rows: dict[str, list[Row]], ks: list[int]) -> tuple[dict | None, bytes | None]:
    """(JSON section, PNG) of per-step profiles per model; (None, None) when no item names a step."""
    found = profiles(models, rows, ks)
    if not found:
        return None, None
    from app.report.flow_plot import plot_profile

    section = {"available": True, "models": {p.model: profile_dict(p) for p in found}}
    return section, plot_profile(found)
