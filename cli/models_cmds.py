"""`assay models [SPEC]`: the models a spec calls, with endpoints, keys (masked), prices and limits, checked."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from cli.output import JSON_OPT, print_json
from cli.root import app
from cli.running import DEMO_SPEC, PREFLIGHT_OPT_HELP, load_spec


@app.command()
def models(
    spec_path: Path = typer.Argument(DEMO_SPEC, metavar="[SPEC]", help="Input spec file (default: the demo's)."),
    no_call: bool = typer.Option(False, "--no-preflight", help=PREFLIGHT_OPT_HELP),
    as_json: bool = JSON_OPT,
) -> None:
    """List and check every model SPEC calls: endpoint, key, limits, price, and a 1-token call. Writes nothing."""
    from app.models import as_dict, check

    spec = load_spec(spec_path)
    checks = check(spec, call=not no_call)
    ready = not any(c.problems for c in checks)
    if as_json:
        print_json({"spec": str(spec_path), "ready": ready, "models": as_dict(checks)})
    else:
        say = Console().print
        for c in checks:
            say(f"{c.name}  ({', '.join(c.roles)})", style="bold", markup=False, highlight=False)
            for e in c.endpoints:
                where = (
                    e.model + (f" @ {e.api_base}" if e.api_base else "") + (f" [{e.provider}]" if e.provider else "")
                )
                limits = ", ".join(f"{k} {v}" for k, v in e.limits.items())
                said = (
                    "not called"
                    if e.answered is None
                    else (f"answered in {e.latency_ms:.0f} ms" if e.answered else "no answer")
                )
                parts = [where, f"key {e.key}" if e.key else "", limits, e.price, said]
                say("  " + "  ·  ".join(p for p in parts if p), markup=False, highlight=False)
                for problem in e.problems:
                    say(f"  problem: {problem}", style="red", markup=False, highlight=False)
        say("ready" if ready else "not ready: `assay run` refuses this spec until the problems are fixed")
    if not ready:
        raise typer.Exit(2)
