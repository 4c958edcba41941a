"""`assay status`, `queue` and `rebuild`: read models built from the ledger (`export` is in export_cmds)."""

from __future__ import annotations

import json
from typing import Any

import typer
from rich.console import Console, Group
from rich.padding import Padding
from rich.text import Text

from cli.bounds import ranged
from cli.output import JSON_OPT, add_row, coord, make_table, money, print_json
from cli.root import app
from cli.session import session
from domain import bounds


@app.command()
def status(as_json: bool = JSON_OPT) -> None:
    """Runs with their attempts, outcomes and spend; model calls by model, role and outcome; rejects by gate and
    reason; checklist versions; gate calibration from reviewers' verdicts; totals."""
    from adapters.config import load_settings
    from app import status as app_status
    from cli.checklist_cmds import print_reflection

    with session() as (ledger, tracking):
        shown = app_status.status(ledger, tracking, app_status.anyone_working(load_settings()))
    if as_json:
        print_json(shown)
        return
    rows, totals, reflection = shown["runs"], shown["totals"], shown["reflection"]
    console = Console()
    if not rows:
        console.print("no runs yet: start one with `assay run SPEC`")
        return
    console.print(Text("Runs", style="bold"))
    for r in rows:
        console.print(run_entry(r))
    print_calls(console, totals)
    if totals["rejects_by_gate"]:
        rejects = make_table("Rejects by gate and reason", "gate count reason n", wrap="reason", right="count n")
        for gate, n in sorted(totals["rejects_by_gate"].items(), key=lambda kv: (-kv[1], kv[0])):
            reasons = sorted(totals["rejects_by_reason"].get(gate, {}).items(), key=lambda kv: (-kv[1], kv[0]))
            for i, (reason, m) in enumerate(reasons or [("", 0)]):
                add_row(rejects, gate if i == 0 else "", n if i == 0 else "", reason, m)
        console.print(rejects)
    print_reflection(console, reflection)
    print_calibration(console, shown["gate_calibration"])
    console.print(
        f"totals: {totals['runs']} runs ({totals['running']} running"
        + (f", {totals['interrupted']} interrupted" if totals.get("interrupted") else "")
        + f"), {totals['attempts']} attempts, "
        f"{totals['rejected']} rejected, {queued_text(totals)}, "
        f"{totals['teeth']} with teeth (the strongest model never solved them), "
        f"{totals['suspect']} suspect (nobody solved them); {totals['calls']} model calls, {totals['tokens']} tokens, "
        f"spend {money(totals['cost_usd'])}"
    )


def print_calibration(console: Console, report: dict[str, Any]) -> None:
    """The "Gate calibration" tables, only once reviewers have decided points: per gate, checklist version, band,
    solve rate and repair history, how many of the points the gates passed reviewers rejected or edited; then
    their reasons, grouped. `status --json` has each row's reasons and each gate's versions."""
    from app.calibration import reasons_table, table

    if not report["decided"]:
        return
    out = make_table("Gate calibration: verdicts on points the gates passed", "by which rejected edited", wrap="which")
    out.caption = "rejected, edited: of decided points; a point counts under every gate it passed"
    out.caption_justify = "left"
    rows = table(report)
    for i, r in enumerate(rows):
        first = i == 0 or rows[i - 1]["group"] != r["group"]
        add_row(out, r["group"] if first else "", r["label"], r["rejected_text"], r["edited_text"])
    console.print(out)
    reasons = make_table("Reviewers' reasons", "reason rejected edited", wrap="reason", right="rejected edited")
    for r in reasons_table(report):
        add_row(reasons, r["reason"], r["rejected"], r["edited"])
    console.print(reasons)


def queued_text(r: dict[str, Any]) -> str:
    """``N queued for review (W waiting, A approved, D declined)``: every point ever queued, and where each is
    now; the points still waiting for a verdict are what a reviewer has left."""
    return (
        f"{r['queued']} queued for review ({r['waiting']} waiting, {r['approved']} approved, {r['declined']} declined)"
    )


def run_entry(r: dict[str, Any]) -> Group:
    """One run: id, spec, status and spend; then, indented, its pulls and where they went (wrapped, never cut, on a
    narrow terminal)."""
    state = r["status"] + (f": {r['reason']}" if r["reason"] else "")
    spec = r["spec_name"] + (f" (replay of {r['replay_of']} from {r['from_gate']})" if r.get("replay_of") else "")
    head = Text(r["run_id"], style="bold")
    head.append(f"  {spec}  {state}  spend {money(r['cost_usd'])}")
    flags = f"; {r['teeth']} with teeth, {r['suspect']} suspect" if r["teeth"] or r["suspect"] else ""
    detail = Text(f"{r['attempts']} pulls: {r['rejected']} rejected, {queued_text(r)}{flags}")
    return Group(head, Padding(detail, (0, 0, 0, 2)))


def print_calls(console: Console, totals: dict[str, Any]) -> None:
    """Model calls across runs: by model, by role, and a line of outcomes (failed calls by error class)."""
    if not totals["calls"]:
        return

    def by_spend(buckets: dict[str, dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
        return sorted(buckets.items(), key=lambda kv: (-kv[1]["cost_usd"], -kv[1]["calls"], kv[0]))

    models = make_table(
        "Calls by model", "model calls tokens spend errors", wrap="model", right="calls tokens spend errors"
    )
    for model, b in by_spend(totals["by_model"]):
        add_row(
            models, model, b["calls"], b["prompt_tokens"] + b["completion_tokens"], money(b["cost_usd"]), b["errors"]
        )
    console.print(models)
    roles = make_table("Calls by role", "role calls spend errors", wrap="role", right="calls spend errors")
    for role, b in by_spend(totals["by_role"]):
        add_row(roles, role, b["calls"], money(b["cost_usd"]), b["errors"])
    console.print(roles)
    console.print(calls_line(totals["by_outcome"]))


def calls_line(outcome: dict[str, Any]) -> Text:
    """``calls: N ok, M failed (Timeout 1); R retries (RateLimitError 3)``, error classes most frequent first;
    the retries are the tries after a call's first, by the error of the try before."""

    def by_class(counts: dict[str, int]) -> str:
        ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        return f" ({', '.join(f'{cls} {n}' for cls, n in ranked)})" if ranked else ""

    retries = outcome.get("retries", 0)
    tail = f"; {retries} retries{by_class(outcome.get('retried', {}))}" if retries else ""
    # Text, not markup: an error class is provider text and may hold [brackets].
    return Text(f"calls: {outcome['ok']} ok, {outcome['failed']} failed{by_class(outcome['errors'])}{tail}")


@app.command()
def queue(
    as_json: bool = JSON_OPT,
    run: str = typer.Option(None, "--run", help="Only candidates of this run (id or unique prefix)."),
    limit: int = ranged(50, "--limit", bounds.ROWS, "Rows the table shows (oldest first; 0: all). --json lists all."),
) -> None:
    """The review queue: candidates waiting for a human verdict, oldest first."""
    from app import status as app_status

    with session() as (ledger, tracking):
        items = app_status.queue(ledger, tracking, run)
    if as_json:
        print_json(items)
        return
    console = Console()
    if not items:
        console.print("the review queue is empty")
        return
    shown = items if limit == 0 else items[:limit]
    console.print(Text(f"Review queue ({len(items)}, oldest first)", style="bold"))
    for q in shown:
        console.print(queue_entry(q, console.width))
    if len(shown) < len(items):
        console.print(f"showing the oldest {len(shown)} of {len(items)}; --limit 0 shows all")
    console.print("next: assay show ID, then assay review ID --approve | --reject --reason TEXT")


def queue_entry(q: dict[str, Any], width: int) -> Text:
    """One queued point in three lines that fit ``width`` columns: id, run, band, solve rate and cost; the prompt's
    start, cut with an ellipsis; the recipe and coordinate. A table wrapped the prompt into a column one or two
    words wide on an 80-column terminal."""
    solve = "-" if q["solve_rate"] is None else f"{q['solve_rate']:.2f}"
    head = Text(q["candidate_id"][:8], style="bold")
    head.append(f"  run {q['run_id']}  {q['band'] or '-'}  solve {solve}  {money(q['cost_usd'])}")
    lines = [head, Text("  " + q["preview"]), Text(f"  {q['recipe']}: {coord(q['coordinate'])}", style="dim")]
    for line in lines:
        line.truncate(max(width, 20), overflow="ellipsis")
    return Text("\n").join(lines)


@app.command()
def rebuild(as_json: bool = JSON_OPT) -> None:
    """Rebuild every projection from the start of the ledger and show what each holds."""
    from app import status as app_status

    with session() as (ledger, tracking):
        report = app_status.rebuild(ledger, tracking)
    if as_json:
        print_json(report)
        return
    table = make_table("Projections rebuilt from zero", "projection position holds", wrap="holds", right="position")
    for name, info in report.items():
        holds = ", ".join(f"{k} {json.dumps(v, sort_keys=True)}" for k, v in info.items() if k != "position")
        add_row(table, name, info["position"], holds)
    Console().print(table)
