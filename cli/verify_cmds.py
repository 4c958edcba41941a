"""`assay verify`: check the whole ledger's hash chains and name any event that was altered or removed."""

from __future__ import annotations

from urllib.parse import urlparse

import typer
from rich.console import Console

from cli.output import JSON_OPT, print_json
from cli.root import app
from cli.session import session


@app.command()
def verify(as_json: bool = JSON_OPT) -> None:
    """Walk every event: hash chains, version holes, settlements; exit 1 naming each broken event."""
    from adapters.config import load_settings
    from app.audit import verify as walk

    dense = urlparse(load_settings().store_url).scheme == "sqlite"
    with session() as (ledger, _):
        report = walk(ledger, positions_are_dense=dense)
    if as_json:
        print_json(
            {
                "ok": report.ok,
                "events": report.events,
                "aggregates": report.aggregates,
                "unchained": report.unchained,
                "problems": [p.__dict__ for p in report.problems],
            }
        )
    else:
        console = Console(highlight=False)
        for p in report.problems:
            console.print(f"{p.kind.upper()}: {p.message}", markup=False, style="red")
        note = f", {report.unchained} recorded before hash chains (not checkable)" if report.unchained else ""
        count = len(report.problems)
        verdict = "intact" if report.ok else f"NOT intact ({count} problem{'s' if count > 1 else ''})"
        console.print(
            f"ledger {verdict}: {report.events} events in {report.aggregates} aggregates checked{note}",
            markup=False,
            style="bold" if report.ok else "bold red",
        )
    if not report.ok:
        raise typer.Exit(1)
