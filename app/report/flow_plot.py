"""The per-step profile plot: pass@1 at each workflow step per model, the weakest steps highlighted."""

from __future__ import annotations

import io
import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

from app.report.flow_text import rate  # noqa: E402
from domain.flows import FlowProfile, StepStat  # noqa: E402

COLORS = ("#264653", "#2a9d8f", "#e9c46a", "#8d99ae", "#6d597a", "#b5838d")
WEAK = "#e63946"


def _p1(stat: StepStat | None) -> float:
    """pass@1 of a step (the smallest k reported when 1 is not), NaN when the step has no items."""
    if stat is None or not stat.pass_at_k:
        return math.nan
    return stat.pass_at_k.get("1", stat.pass_at_k[min(stat.pass_at_k, key=int)])


def _e2e(profile: FlowProfile) -> str:
    value = profile.end_to_end.get("1", next(iter(profile.end_to_end.values()), math.nan))
    return "n/a" if math.isnan(value) else rate(value)


def plot_profile(profiles: list[FlowProfile]) -> bytes:
    """Grouped bars of per-step pass@1 per model (values written on them), in workflow order; each model's
    weakest steps (the fewest owning half the loss) hatched in red, the first model's shaded; end to end in
    the title."""
    order: dict[str, int] = {}
    for prof in profiles:
        for s in prof.steps:
            order[s.step] = min(order.get(s.step, s.step_index), s.step_index)
    steps = sorted(order, key=lambda s: (order[s], s))
    fig, ax = plt.subplots(figsize=(max(6.5, (0.55 + 0.35 * len(profiles)) * len(steps) + 2), 4.2))
    width = 0.8 / max(1, len(profiles))
    if profiles:
        for i, step in enumerate(steps):
            if step in profiles[0].weakest:
                ax.axvspan(i - 0.45, i + 0.45, color=WEAK, alpha=0.08, lw=0)
    for m, prof in enumerate(profiles):
        by_step = {s.step: s for s in prof.steps}
        for i, step in enumerate(steps):
            value = _p1(by_step.get(step))
            x = i + (m - (len(profiles) - 1) / 2) * width
            if math.isnan(value):
                ax.text(x, 0.02, "n/a", ha="center", va="bottom", fontsize=7, color="#6c757d")
                continue
            weak = step in prof.weakest
            ax.bar(
                x,
                value,
                width * 0.92,
                color=COLORS[m % len(COLORS)],
                edgecolor=WEAK if weak else "white",
                hatch="///" if weak else None,
                linewidth=1.2 if weak else 0.5,
            )
            ax.text(x, value + 0.015, f"{value:.2f}", ha="center", va="bottom", fontsize=7)
    ax.set_xticks(range(len(steps)), steps)
    for label in ax.get_xticklabels():
        if profiles and label.get_text() in profiles[0].weakest:
            label.set_color(WEAK)
            label.set_fontweight("bold")
    ax.set_ylim(0, 1.1)
    ax.set_ylabel("pass@1 at this step")
    ax.grid(axis="y", alpha=0.3)
    ends = ", ".join(f"{p.model.split('/')[-1]} {_e2e(p)}" for p in profiles)
    ax.set_title(f"Per-step pass@1. End to end (product of the steps): {ends}", fontsize=10)
    handles = [Patch(color=COLORS[m % len(COLORS)], label=p.model.split("/")[-1]) for m, p in enumerate(profiles)]
    handles.append(Patch(facecolor="white", edgecolor=WEAK, hatch="///", label="weakest: own half the loss"))
    ax.legend(handles=handles, fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()
