"""What `assay replay` reports: how a replay run's outcomes compare with its source's, and the gate versions."""

from __future__ import annotations

from typing import Any

from cli.run_cmds import console


def report(ledger: Any, source: Any, run: Any, order: list[str]) -> dict[str, Any]:
    """Newly admitted, newly rejected and unchanged points, and per gate the versions each run recorded."""
    from domain.replay import compare
    from services.replay import outcomes, recorded_versions

    diff = compare(outcomes(source), outcomes(run))
    for row in diff["newly_rejected"]:  # a reviewer may have decided the source point since it was queued
        row["source_status"] = ledger.repository.get(_uuid(row["source_id"])).status
    rerun = order[order.index(run.from_gate) :] if run.from_gate in order else order
    before, now = recorded_versions(ledger, source), recorded_versions(ledger, run)
    # A carried gate's results keep the source's version; one a repair made run again records today's.
    versions = [
        {"gate": g, "rerun": g in rerun, "version": ", ".join(now.get(g, [])), "source": ", ".join(before.get(g, []))}
        for g in order
    ]
    return {
        "run_id": run.run_id,
        "replay_of": source.run_id,
        "from_gate": run.from_gate,
        "carried": run.attempts,
        "completed": run.completed.reason if run.completed else "",
        **diff,
        "gate_versions": versions,
    }


def _uuid(text: str) -> Any:
    from uuid import UUID

    return UUID(text)


def print_report(r: dict[str, Any]) -> None:
    """The report as text: the three lists, then the gate versions."""
    say = console.print
    admitted, rejected, same = r["newly_admitted"], r["newly_rejected"], r["unchanged"]
    say(
        f"replay {r['run_id']} of run {r['replay_of']} from gate {r['from_gate']}: {r['carried']} recorded drafts, "
        f"{r['completed']}",
        markup=False,
    )
    say(f"newly admitted: {len(admitted)}", style="bold")
    for x in admitted:
        say(
            f"  #{x['index']} {x['replay_id'][:8]} (source {x['source_id'][:8]} was rejected at {x['source_gate']}: "
            f"{x['source_reason']})",
            markup=False,
        )
    say(f"newly rejected: {len(rejected)}", style="bold")
    for x in rejected:
        say(
            f"  #{x['index']} {x['replay_id'][:8]} (source {x['source_id'][:8]} {x['source_status']}) rejected at "
            f"{x['gate']}: {x['reason']}",
            markup=False,
        )
    by_gate = ", ".join(f"{k} {v}" for k, v in same["by_gate"].items()) or "none"
    note = f"; {same['reason_changed']} rejected for another reason" if same["reason_changed"] else ""
    say(f"unchanged: {same['count']} ({by_gate}{note})", style="bold", markup=False)
    say("gate versions (this replay / the source):", style="bold")
    for v in r["gate_versions"]:
        source = v["source"] or "none recorded"
        how = f"re-run   {v['version'] or '-'} / {source}" if v["rerun"] else f"carried  {source}"
        say(f"  {v['gate']:<14} {how}", markup=False)
