"""`assay reviewer add | list | revoke`: who may give verdicts on the review page and its API."""

from __future__ import annotations

import typer
from rich.console import Console

from cli.errors import UserError
from cli.output import JSON_OPT, add_row, make_table, print_json
from cli.root import app
from cli.session import review_sessions, session

reviewer_app = typer.Typer(
    help="Reviewers and their access tokens for the review page (`assay serve review`).", no_args_is_help=True
)
app.add_typer(reviewer_app, name="reviewer")


def _domain_call(fn, *args):  # noqa: ANN001, ANN202
    from adapters import logs
    from domain.reviewer import ReviewerError

    logs.configure()
    try:
        return fn(*args)
    except ReviewerError as exc:
        raise UserError(str(exc)) from None


@reviewer_app.command("add")
def add(name: str = typer.Argument(..., help="The reviewer's name, recorded on every verdict they give.")) -> None:
    """Add a reviewer and print their access token (shown once; only its SHA-256 is recorded)."""
    from app import reviewers

    with session() as (ledger, _):
        token = _domain_call(reviewers.add, ledger, name)
    typer.echo(f"reviewer {name} added. Their token (shown only this once, keep it secret):\n\n    {token}\n")
    typer.echo(
        "Paste it on the review page's login (assay serve review), or send it to the API as\n"
        "    Authorization: Bearer <token>\n"
        f"Lost it? assay reviewer revoke {name}, then add them again for a new one."
    )


@reviewer_app.command("list")
def list_(as_json: bool = JSON_OPT) -> None:
    """Every reviewer ever added, active or revoked (tokens are never shown again)."""
    from app import reviewers

    with session() as (ledger, _):
        rows = reviewers.listing(ledger)
    if as_json:
        print_json(rows)
        return
    if not rows:
        typer.echo("no reviewers yet: add one with `assay reviewer add NAME`")
        return
    table = make_table("Reviewers", "name status added revoked")
    for r in rows:
        add_row(
            table, r["name"], "active" if r["active"] else "revoked", r["added_at"][:19], (r["revoked_at"] or "-")[:19]
        )
    Console().print(table)


@reviewer_app.command("revoke")
def revoke(name: str = typer.Argument(..., help="The reviewer whose token stops working now.")) -> None:
    """Revoke a reviewer's token and end their review-page sessions (their verdicts stay recorded)."""
    from app import reviewers

    with session() as (ledger, _), review_sessions() as sessions:
        _domain_call(reviewers.revoke, ledger, name, sessions)
    typer.echo(f"reviewer {name} revoked; their token no longer works and their review-page sessions are ended")
