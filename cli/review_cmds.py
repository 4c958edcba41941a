"""`assay show` (a point's full audit record, or a run's summary) and `assay review` (a human verdict)."""

from __future__ import annotations

import getpass
import json
import os
import tomllib
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.markdown import Markdown

from cli.errors import UserError
from cli.output import JSON_OPT, add_row, coord, make_table, money, print_json
from cli.root import app
from cli.session import session


def _render(recipe: str, payload: dict[str, Any], facts: list[dict[str, Any]] | None = None) -> tuple[str, bool]:
    """The recipe's view of the point (Markdown), with the latest detail of each passed gate where the recipe shows
    them, and True; or the payload as JSON and False when the recipe cannot render it."""
    details = {row["gate"]: row.get("detail") or {} for row in facts or [] if row["type"] == "GatePassed"}
    try:
        import recipes
        from recipes.conformance import render_point

        return render_point(recipes.get(recipe), payload, details), True
    except Exception:  # unknown recipe or a payload it cannot render: show the JSON
        return json.dumps(payload, indent=2, sort_keys=True, ensure_ascii=False), False


def _show_candidate(h: dict[str, Any], console: Console, raw: bool = False) -> None:
    from app.history import fact_line
    from app.trace import change_lines
    from projections.run_stats import error_class

    console.print(
        f"candidate {h['candidate_id']}  status {h['status']}  cost {money(h['cost_usd'])}", style="bold", markup=False
    )
    console.print(
        f"run {h['run_id']}  spec {h['spec_name'] or '?'}  recipe {h['recipe']}  pull #{h['index']}", markup=False
    )
    console.print(f"coordinate: {coord(h['coordinate'])}   first fact: {h['facts'][0]['timestamp'][:19]}", markup=False)
    spec = h.get("spec") or {}
    parts = {
        "models": spec.get("models", {}),
        "gates": spec.get("gates", {}),
        "probe": spec.get("probe", {}),
        "recipe args": h.get("recipe_args") or {},
    }
    console.print("spec: " + "; ".join(f"{k} {json.dumps(v, sort_keys=True)}" for k, v in parts.items()), markup=False)
    facts = make_table("History", "# time fact detail", wrap="detail", right="#")
    errors = any(r["error"] for row in h["facts"] for r in row.get("receipts", []))
    receipts = make_table(
        "Receipts (# = the fact that made the call; errors by class, in full in --json)",
        "# role model prompt response tokens cost ms" + (" error" if errors else ""),
        wrap="error",
        right="# tokens cost ms",
    )
    for row in h["facts"]:
        add_row(
            facts, row["version"], row["timestamp"][11:23], row["type"], "\n".join([fact_line(row), *change_lines(row)])
        )
        for r in row.get("receipts", []):
            add_row(
                receipts,
                row["version"],
                r["role"],
                r["model"],
                r["prompt_sha256"][:8],
                r["response_sha256"][:8],
                f"{r['prompt_tokens']}+{r['completion_tokens']}",
                money(r["cost_usd"]),
                f"{r['latency_ms']:.0f}",
                *([error_class(r["error"]) if r["error"] else ""] if errors else []),
            )
    console.print(facts)
    console.print(receipts)
    retried = [(row["version"], r) for row in h["facts"] for r in row.get("receipts", []) if r.get("tries")]
    if retried:
        tries = make_table(
            "Tries of the calls that took more than one (# = the fact)",
            "# model try status error ms retry-after waited",
            wrap="error",
            right="# try status ms retry-after waited",
        )
        where: dict[str, set[str]] = {}
        for version, r in retried:
            for i, t in enumerate(r["tries"], 1):
                after = "" if t["retry_after_s"] is None else f"{t['retry_after_s']:g} s"
                waited = f"{t['waited_ms']:.0f}" if i < len(r["tries"]) else ""
                add_row(
                    tries,
                    version,
                    r["model"],
                    i,
                    t["status"] or "none",
                    t["error"],
                    f"{t['latency_ms']:.0f}",
                    after,
                    waited,
                )
                if t["deployment"]:
                    where.setdefault(r["model"], set()).add(t["deployment"])
        console.print(tries)
        for model, deployments in sorted(where.items()):
            console.print(f"{model} tried: {', '.join(sorted(deployments))}", markup=False, highlight=False)
    for row in (r for r in h["facts"] if r["type"] == "Probed"):
        probe = make_table(
            f"Probe (fact #{row['version']}, band {row['band']})", "model n c pass@k", wrap="pass@k", right="n c"
        )
        for o in row["outcomes"]:
            ks = ", ".join(f"pass@{k}={v:.2f}" for k, v in sorted(o["pass_at_k"].items(), key=lambda kv: int(kv[0])))
            add_row(probe, o["model"], o["n"], o["c"], ks)
        console.print(probe)
    console.print("payload", style="bold")
    text, markdown = _render(h["recipe"], h["payload"], h["facts"])
    if markdown and not raw:
        # Rendered as a terminal shows Markdown (headings, bold, code blocks); recipes write no raw HTML.
        console.print(Markdown(text, hyperlinks=False))
    else:
        console.print(text, markup=False, highlight=False)


def _show_run(h: dict[str, Any], console: Console) -> None:
    r = h["run"]
    console.print(
        f"run {h['run_id']}  spec {r.get('spec_name')}  recipe {r.get('recipe')}  "
        f"{r.get('status')}{' (' + r['reason'] + ')' if r.get('reason') else ''}",
        style="bold",
        markup=False,
    )
    console.print(f"policy: {json.dumps(r.get('policy', {}), sort_keys=True)}", markup=False)
    console.print(
        f"attempts {r.get('attempts', 0)}, queued {r.get('queued', 0)}, rejected {r.get('rejected', 0)}, "
        f"approved {r.get('approved', 0)}, declined {r.get('declined', 0)}; "
        f"{r.get('calls', 0)} calls, {r.get('tokens', 0)} tokens, spend {money(r.get('cost_usd', 0.0))}"
    )
    table = make_table("Candidates", "# id status", right="#")
    for c in h["candidates"]:
        add_row(table, c["index"], c["candidate_id"], c["status"])
    console.print(table)


@app.command()
def show(
    ident: str = typer.Argument(..., metavar="ID", help="Candidate or run id (or a unique prefix)."),
    as_json: bool = JSON_OPT,
    raw: bool = typer.Option(False, "--raw", help="Print the point's Markdown source instead of rendering it."),
) -> None:
    """A candidate's full history from the ledger (spec, coordinate, facts, receipts, probe, verdicts), or a run.
    The point itself is rendered from the recipe's Markdown (``--raw``: the Markdown source)."""
    from app.history import candidate_history, resolve, run_history

    with session() as (ledger, tracking):
        ref = resolve(ledger, tracking, ident)
        h = candidate_history(ledger, ref.id) if ref.kind == "candidate" else run_history(ledger, tracking, ref.id)
    if as_json:
        print_json(h)
    elif ref.kind == "candidate":
        _show_candidate(h, Console(), raw)
    else:
        _show_run(h, Console())


def read_payload(path: Path) -> dict[str, Any]:
    """A whole edited payload from a JSON or TOML file."""
    from app.files import read_text

    text = read_text(path, "edit file")
    as_toml = path.suffix.lower() == ".toml"
    try:
        data = tomllib.loads(text) if as_toml else json.loads(text)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise UserError(f"{path}: not valid {'TOML' if as_toml else 'JSON'}: {exc}") from None
    if not isinstance(data, dict):
        raise UserError(f"{path}: the edit file must hold the whole payload as an object")
    return data


@app.command()
def review(
    ident: str = typer.Argument(..., metavar="ID", help="Candidate id (or a unique prefix)."),
    approve: bool = typer.Option(False, "--approve", help="Accept the point as it is."),
    reject: bool = typer.Option(False, "--reject", help="Decline the point (needs --reason)."),
    edit: Path = typer.Option(None, "--edit", help="Accept with this edited payload (a JSON or TOML file)."),
    reason: str = typer.Option("", "--reason", help="Why; required with --reject."),
    reviewer: str = typer.Option(None, "--reviewer", help="Who decides (default: $ASSAY_REVIEWER or your user)."),
    as_json: bool = typer.Option(
        False, "--json", help="Print the recorded verdict as JSON (candidate_id, verdict, reviewer, reason, edited)."
    ),
) -> None:
    """Give a queued candidate a human verdict: approve, reject with a reason, or approve an edited payload."""
    from app import reviewers, verdicts
    from app.history import resolve
    from domain.errors import InvalidInput

    if approve + reject + (edit is not None) != 1:
        raise UserError("give exactly one of --approve, --reject or --edit FILE")
    if reject and not reason.strip():
        raise UserError("--reject needs a --reason saying what is wrong")
    who = reviewers.acting_name(reviewer, os.environ, getpass.getuser)
    edited = read_payload(edit) if edit is not None else None
    verdict = "edit" if edited is not None else ("reject" if reject else "approve")
    with session() as (ledger, tracking):
        ref = resolve(ledger, tracking, ident)
        if ref.kind != "candidate":
            raise UserError(f"{ident!r} is run {ref.id}; review takes a candidate id (see `assay queue`)")
        try:
            given = verdicts.record(ledger, ref.id, who, verdict, reason, edited)
        except InvalidInput as exc:
            raise UserError(f"{edit}: {exc}" if edit is not None else str(exc)) from None
    if as_json:
        recorded = {"verdict": given.verdict, "reviewer": given.reviewer, "reason": given.reason}
        print_json({"candidate_id": ref.id, **recorded, "edited": given.payload is not None})
        return
    typer.echo(f"{verdict} recorded for candidate {ref.id} by {who}")
