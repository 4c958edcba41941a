"""The per-step profile in the terminal: a table per model and where the end-to-end loss sits."""

from __future__ import annotations

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from domain.flows import FlowProfile


def _ks(profile: FlowProfile) -> list[str]:
    found = {k for s in profile.steps for k in s.pass_at_k} | set(profile.end_to_end)
    return sorted(found, key=int)


def rate(value: float) -> str:
    """0.062, or 5.0e-06 for a rate too small to show in three decimals."""
    return f"{value:.3f}" if value >= 0.001 or value == 0 else f"{value:.1e}"


def summary_line(profile: FlowProfile) -> str:
    """'end-to-end pass@1 = 0.96 × 0.45 × ... = 0.14; steps owning most of the loss: tool call, handoff'."""
    factors = [s.pass_at_k["1"] for s in profile.steps if "1" in s.pass_at_k]
    if "1" in profile.end_to_end and factors:
        product = " × ".join(f"{p:.2f}" for p in factors)
        head = f"end-to-end pass@1 = {product} = {rate(profile.end_to_end['1'])}"
    else:
        head = "end-to-end pass@1 = n/a (a step has no measured items)"
    weakest = ", ".join(profile.weakest) or "none (no step loses anything)"
    return f"{head}; steps owning most of the loss: {weakest}"


def table(profile: FlowProfile) -> Table:
    ks = _ks(profile)
    out = Table(
        title=f"Per-step profile: {profile.model}",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        title_justify="left",
        title_style="bold",
    )
    out.add_column("#", justify="right", no_wrap=True)
    out.add_column("step", overflow="fold")
    out.add_column("items", justify="right", no_wrap=True)
    for k in ks:
        out.add_column(f"pass@{k}", justify="right", no_wrap=True)
    out.add_column("loss share", justify="right", no_wrap=True)
    for s in profile.steps:
        weak = s.step in profile.weakest
        style = "bold red" if weak else ""
        cells = [
            str(s.step_index + 1) if s.step_index >= 0 else "-",
            s.step + (" ◀" if weak else ""),
            str(s.items),
            *(f"{s.pass_at_k[k]:.2f}" if k in s.pass_at_k else "-" for k in ks),
            f"{s.loss_share:.0%}",
        ]
        out.add_row(*(Text(c, style=style) for c in cells))
    return out


def print_profiles(profiles: list[FlowProfile], console: Console) -> None:
    """A table per model (step, items, pass@k..., loss share), then its end-to-end product and weakest steps."""
    for profile in profiles:
        console.print(table(profile))
        console.print(summary_line(profile), markup=False, highlight=False)
