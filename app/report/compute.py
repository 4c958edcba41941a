"""The report's figures from recorded evaluations: pass@k with CIs, separability, pairs, difficulty spread."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.report.flows import flow_section
from domain.errors import InvalidInput
from domain.separability import difficulty_histogram, pass_at_k_separability, solve_rates


class ReportError(InvalidInput):
    """The chosen evaluations cannot be reported together."""


@dataclass
class Report:
    data: dict[str, Any]  # everything report.json holds
    flow_png: bytes | None = None  # the agent-flow per-step plot, when there is one


def _pool(evals: list[dict[str, Any]]) -> tuple[list[str], list[str], dict[tuple[str, str], list[int]], dict]:
    """Models and points in first-seen order; (n, c) per (point, model) summed over evaluations; steps."""
    models: list[str] = []
    points: list[str] = []
    counts: dict[tuple[str, str], list[int]] = {}
    steps: dict[str, tuple[str, int]] = {}
    for e in evals:
        models += [m for m in e["models"] if m not in models]
        points += [p for p in e["points"] if p not in points]
        for pid, res in e["results"].items():
            steps.setdefault(pid, (res.get("step", ""), res.get("step_index", -1)))
            for model, r in res["models"].items():
                nc = counts.setdefault((pid, model), [0, 0])
                nc[0] += r["n"]
                nc[1] += r["c"]
    return models, points, counts, steps


def build_report(evals: list[dict[str, Any]], probes: dict[str, dict[str, Any] | None], n_boot: int = 1000) -> Report:
    """Pool the evaluations (samples of a repeated (point, model) add up) over the points every model has."""
    models, points, counts, steps = _pool(evals)
    items = [p for p in points if all((p, m) in counts for m in models)]
    if not items:
        raise ReportError("the chosen evaluations share no point evaluated by every model")
    min_n = min(counts[(p, m)][0] for p in items for m in models)
    ks = sorted({k for e in evals for k in e["ks"] if k <= min_n}) or [1]
    per_model = {m: [(counts[(p, m)][0], counts[(p, m)][1]) for p in items] for m in models}
    seps = pass_at_k_separability(per_model, ks, n_boot=n_boot)
    rates = solve_rates(
        [[counts[(p, m)][1] for m in models] for p in items], [[counts[(p, m)][0] for m in models] for p in items]
    )
    hist_counts, edges = difficulty_histogram(rates)
    rows = []
    for pid, rate in zip(items, rates, strict=True):
        probe = probes.get(pid) or {}
        rows.append(
            {
                "point_id": pid,
                "solve_rate": round(float(rate), 6),
                "band": probe.get("band") or "unknown",
                "probe_solve_rate": probe.get("solve_rate"),
                "step": steps.get(pid, ("", -1))[0],
                "models": {m: {"n": counts[(pid, m)][0], "c": counts[(pid, m)][1]} for m in models},
            }
        )
    bands: dict[str, int] = {}
    for r in rows:
        bands[r["band"]] = bands.get(r["band"], 0) + 1
    flows, flow_png = flow_section(
        models, {m: [(*steps.get(p, ("", -1)), *counts[(p, m)]) for p in items] for m in models}, ks
    )
    data = {
        "evaluations": [e["eval_id"] for e in evals],
        "datasets": sorted({e["dataset"] for e in evals}),
        "recipes": sorted({e["recipe"] for e in evals}),
        "models": models,
        "ks": ks,
        "n_items": len(items),
        "n_boot": n_boot,
        "alpha": 0.05,
        "samples_per_item": {m: sorted({counts[(p, m)][0] for p in items}) for m in models},
        "pass_at_k": {m: {k: vars(sep.models[m]) for k, sep in seps.items()} for m in models},
        "separability": {
            k: {
                "fraction": s.fraction,
                "separated": s.separated,
                "n_pairs": len(s.pairs),
                "paired_differs": sum(p.paired_differs for p in s.pairs),
            }
            for k, s in seps.items()
        },
        "pairwise": {k: [vars(p) for p in s.pairs] for k, s in seps.items()},
        "difficulty": {
            "histogram": {"counts": hist_counts, "edges": edges},
            "bands": dict(sorted(bands.items())),
            "items": rows,
        },
        "flows": flows,
    }
    return Report(data, flow_png)
