"""`assay checklist`: the reflection checklist per recipe, and reviewers' add / edit / retire commands."""

from __future__ import annotations

import getpass
import os
from collections.abc import Callable
from typing import Any

import typer
from rich.console import Console

from cli.errors import UserError
from cli.output import JSON_OPT, add_row, make_table, print_json
from cli.root import app
from cli.session import session

checklist_app = typer.Typer(
    help="The reflection checklist authors see, per recipe; reviewers curate it.", no_args_is_help=False
)
app.add_typer(checklist_app, name="checklist")

ITEM_ARG = typer.Argument(..., metavar="ITEM_ID", help="A reviewer item's id, or an observed item's text.")
REVIEWER_OPT = typer.Option(None, "--reviewer", help="Who makes the change (default: $ASSAY_REVIEWER or your user).")


def percent(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.0f}%"


def print_reflection(console: Console, view: dict[str, dict[str, Any]], last: int = 8) -> None:
    """The "Checklist versions" table: per recipe and checklist version, gate survival and approval. Versions
    before the ``last`` few are merged into one row (`status --json` has every version)."""
    rows = [(recipe, r) for recipe, v in view.items() for r in _merged(v["rates"], last)]
    if not rows:
        return
    table = make_table(
        "Checklist versions", "recipe version drafted survived approved", right="version drafted survived approved"
    )
    table.caption, table.caption_justify = "survived: queued of settled drafts; approved: of decided", "left"
    for i, (recipe, r) in enumerate(rows):
        add_row(
            table,
            recipe if i == 0 or rows[i - 1][0] != recipe else "",
            r["label"],
            r["drafted"],
            f"{percent(r['survival_rate'])} ({r['survived']}/{r['settled']})",
            f"{percent(r['approval_rate'])} ({r['approved']}/{r['decided']})",
        )
    console.print(table)


def _merged(rates: list[dict[str, Any]], last: int) -> list[dict[str, Any]]:
    """Rates with a label; all but the ``last - 1`` newest versions summed into one row when there are more."""
    from projections.reflection import rate

    rows = [dict(r, label=f"v{r['version']}") for r in rates]
    if len(rows) <= last:
        return rows
    early, rows = rows[: -(last - 1)], rows[-(last - 1) :]
    keys = ("drafted", "survived", "settled", "approved", "decided")
    merged: dict[str, Any] = {k: sum(r[k] for r in early) for k in keys}
    merged.update(
        label=f"v{early[0]['version']}-v{early[-1]['version']}",
        survival_rate=rate(merged["survived"], merged["settled"]),
        approval_rate=rate(merged["approved"], merged["decided"]),
    )
    return [merged, *rows]


@checklist_app.callback(invoke_without_command=True)
def checklist(
    ctx: typer.Context,
    recipe: str = typer.Option(None, "--recipe", help="Only this recipe's checklist."),
    as_json: bool = JSON_OPT,
) -> None:
    """Show each recipe's checklist: reviewer items, observed items with counts, retired items."""
    if ctx.invoked_subcommand is not None:
        return
    from app.checklist import reflection_view

    with session() as (ledger, tracking):
        view = reflection_view(ledger, tracking)
    if recipe is not None:
        _known(recipe)
        view = {recipe: view.get(recipe, {"version": 0, "checklist": [], "rates": []})}
    if as_json:
        print_json(view)
        return
    console = Console()
    shown = {r: v for r, v in view.items() if v["checklist"]}
    if not shown:
        console.print("no checklist items yet: they come from rejections, or `assay checklist add RECIPE TEXT`")
        return
    for name, v in shown.items():
        table = make_table(
            f"Checklist {name} (version {v['version']})",
            "id source count weight state text",
            wrap="id text",
            right="count weight",
        )
        for e in v["checklist"]:
            state = "retired" if e["retired"] else "active"
            state += f", edited by {e['edited_by']}" if e["edited_by"] else ""
            observed = e["source"] == "observed"
            add_row(
                table,
                # An observed item's id is its text: printed once, in the text column, so a row fits 80 columns.
                "(its text)" if e["id"] == e["text"] else e["id"],
                e["source"],
                e["count"] if observed else "-",
                e.get("weight", 0) if observed else "-",
                state,
                e["text"],
            )
        console.print(table)
    console.print(
        "authors see the active items: reviewer items first, then the heaviest observed ones (weight: 1 per gate "
        "reason, 3 per reviewer's reason)"
    )


@checklist_app.command("add")
def add(
    recipe: str = typer.Argument(..., help="Recipe name."),
    text: str = typer.Argument(..., help="The criterion, as authors should read it."),
    reviewer: str = REVIEWER_OPT,
) -> None:
    """Add a criterion to a recipe's checklist."""
    _change(recipe, "add", reviewer, text=text)


@checklist_app.command("edit")
def edit(
    recipe: str = typer.Argument(..., help="Recipe name."),
    item_id: str = ITEM_ARG,
    text: str = typer.Argument(..., help="The new wording."),
    reviewer: str = REVIEWER_OPT,
) -> None:
    """Reword an active item (reviewer or observed)."""
    _change(recipe, "edit", reviewer, item_id=item_id, text=text)


@checklist_app.command("retire")
def retire(
    recipe: str = typer.Argument(..., help="Recipe name."),
    item_id: str = ITEM_ARG,
    reason: str = typer.Option("", "--reason", help="Why it no longer belongs."),
    reviewer: str = REVIEWER_OPT,
) -> None:
    """Take an item off the list authors see (it stays in the ledger)."""
    _change(recipe, "retire", reviewer, item_id=item_id, reason=reason)


def _change(recipe: str, action: str, reviewer: str | None, **what: str) -> None:
    """The page's checklist change, as the CLI's reviewer; refusals reach the user as one line (cli.main)."""
    from app.checklist import change

    who = _who(reviewer)
    with session() as (ledger, _tracking):
        done = change(ledger, recipe, action, who, **what)
    typer.echo(done["message"])


def _known(recipe: str) -> None:
    import recipes

    if recipe not in recipes.names():
        raise UserError(f"unknown recipe {recipe!r}; known: {', '.join(recipes.names())}")


def _who(reviewer: str | None, user: Callable[[], str] = getpass.getuser) -> str:
    from app.reviewers import acting_name

    return acting_name(reviewer, os.environ, user)
