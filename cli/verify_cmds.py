"""`assay verify`: check the whole ledger's hash chains and name any event that was altered or removed;
`assay anchor`: write the ledger's heads to a file kept elsewhere, for a later `verify --anchor`."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

import typer
from rich.console import Console

from cli.output import JSON_OPT, print_json
from cli.root import app
from cli.session import session


@app.command()
def verify(
    as_json: bool = JSON_OPT,
    anchor: Path = typer.Option(None, "--anchor", help="Also check the heads in this file (from `assay anchor`)."),
    no_witness: bool = typer.Option(
        False, "--no-witness", help="Do not compare with the heads the bus witnessed (no NATS is started)."
    ),
) -> None:
    """Walk every event: hash chains, version holes, settlements, and the heads the bus witnessed (and an anchor
    file's); exit 1 naming each broken event."""
    from adapters.config import load_settings
    from app import anchors
    from app.audit import verify as walk

    settings = load_settings()
    kept = anchors.read(anchor) if anchor is not None else None  # a bad file is refused before any work
    dense = urlparse(settings.store_url).scheme == "sqlite"
    with session() as (ledger, tracking):
        witnessed = None if no_witness else anchors.witnessed(settings)  # before the walk: the ledger only grows
        report = walk(
            ledger,
            positions_are_dense=dense,
            witnessed=witnessed or (),
            anchor=kept,
            relayed_to=tracking.position("relay"),
        )
    witness = "not checked" if no_witness else ("no bus to ask" if witnessed is None else f"{report.witnessed}")
    if as_json:
        print_json(
            {
                "ok": report.ok,
                "events": report.events,
                "aggregates": report.aggregates,
                "unchained": report.unchained,
                "position": report.position,
                "head": report.head,
                "witnessed": None if witnessed is None else report.witnessed,
                "anchored": None if kept is None else report.anchored,
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
        heads = f"heads witnessed by the bus compared: {witness}"
        if kept is not None:
            heads += f"; anchor {anchor} (position {kept.position}): {report.anchored} aggregate heads compared"
        console.print(heads, markup=False)
    if not report.ok:
        raise typer.Exit(1)


@app.command("anchor")
def anchor_cmd(
    output: Path = typer.Option(..., "--output", "-o", help="The new file to write (never overwritten)."),
    as_json: bool = JSON_OPT,
) -> None:
    """Write the ledger's heads (the rolling head and every aggregate's newest link) to a new file to keep
    elsewhere; verify --anchor FILE later proves nothing before it was altered, removed or rewritten."""
    from app import anchors

    with session() as (ledger, _):
        heads = anchors.write(ledger, output)
    if as_json:
        print_json(
            {"output": str(output), "position": heads.position, "head": heads.head, "aggregates": len(heads.aggregates)}
        )
    else:
        print(
            f"anchor written to {output}: position {heads.position}, head {heads.head[:16]}…, "
            f"{len(heads.aggregates)} aggregates"
        )
