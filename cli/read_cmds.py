"""`assay status`, `queue` and `rebuild`: read models built from the ledger (`export` is in export_cmds)."""

from __future__ import annotations

import json
from typing import Any

import typer
from rich.console import Console
from rich.text import Text

from cli.bounds import ranged
from cli.output import JSON_OPT, add_row, coord, make_table, money, print_json
from cli.root import app
from cli.session import session
from domain import bounds


@app.command()
def status(as_json: bool = JSON_OPT) -> None:
    """Runs with their attempts, outcomes and spend; model calls by model, role and outcome; rejects by gate and
    reason; checklist versions; totals."""
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
    table = make_table(
        "Runs",
        "run spec status pulls queued rejected approved teeth suspect spend",
        wrap="spec status",
        right="pulls queued rejected approved teeth suspect spend",
    )
    for r in rows:
        state = r["status"] + (f": {r['reason']}" if r["reason"] else "")
        spec = r["spec_name"] + (f" (replay of {r['replay_of']} from {r['from_gate']})" if r.get("replay_of") else "")
        add_row(
            table,
            r["run_id"],
            spec,
            state,
            r["attempts"],
            r["queued"],
            r["rejected"],
            r["approved"],
            r["teeth"],
            r["suspect"],
            money(r["cost_usd"]),
        )
    console.print(table)
    print_calls(console, totals)
    if totals["rejects_by_gate"]:
        rejects = make_table("Rejects by gate and reason", "gate count reason n", wrap="reason", right="count n")
        for gate, n in sorted(totals["rejects_by_gate"].items(), key=lambda kv: (-kv[1], kv[0])):
            reasons = sorted(totals["rejects_by_reason"].get(gate, {}).items(), key=lambda kv: (-kv[1], kv[0]))
            for i, (reason, m) in enumerate(reasons or [("", 0)]):
                add_row(rejects, gate if i == 0 else "", n if i == 0 else "", reason, m)
        console.print(rejects)
    print_reflection(console, reflection)
    console.print(
        f"totals: {totals['runs']} runs ({totals['running']} running"
        + (f", {totals['interrupted']} interrupted" if totals.get("interrupted") else "")
        + f"), {totals['attempts']} attempts, "
        f"{totals['queued']} queued, {totals['rejected']} rejected, {totals['approved']} approved, "
        f"{totals['declined']} declined, {totals['teeth']} with teeth (the strongest model never solved them), "
        f"{totals['suspect']} suspect (nobody solved them); {totals['calls']} model calls, {totals['tokens']} tokens, "
        f"spend {money(totals['cost_usd'])}"
    )


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
    table = make_table(
        f"Review queue ({len(items)}, oldest first)",
        "id run band solve cost prompt_/_coordinate",
        wrap="band prompt_/_coordinate",
        right="solve cost",
    )
    shown = items if limit == 0 else items[:limit]
    for q in shown:
        solve = "-" if q["solve_rate"] is None else f"{q['solve_rate']:.2f}"
        what = Text(q["preview"])
        what.append(f"\n{q['recipe']}: {coord(q['coordinate'])}", style="dim")
        add_row(table, q["candidate_id"][:8], q["run_id"], q["band"] or "-", solve, money(q["cost_usd"]), what)
    console.print(table)
    if len(shown) < len(items):
        console.print(f"showing the oldest {len(shown)} of {len(items)}; --limit 0 shows all")
    console.print("review one with: assay show ID, then assay review ID --approve | --reject --reason TEXT")


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
