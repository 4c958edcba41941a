"""How every command prints: the --json option, JSON output, money and coordinates, and rich tables whose
cells are plain text."""

from __future__ import annotations

import json
from typing import Any

import typer
from rich import box
from rich.table import Table
from rich.text import Text

from app.formats import coord as coord  # both faces write money and coordinates alike
from app.formats import money as money

JSON_OPT = typer.Option(False, "--json", help="Print machine-readable JSON instead of tables.")


def print_json(obj: Any) -> None:
    typer.echo(json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False, default=str))


def make_table(title: str, columns: str, wrap: str = "", right: str = "") -> Table:
    """A table of space-separated ``columns`` (``_`` for a space); only those in ``wrap`` may wrap, so ids,
    numbers and money are never cut on a narrow terminal."""
    # Light borders: on an 80-column terminal every character of width counts.
    table = Table(title=title, box=box.SIMPLE_HEAD, pad_edge=False, title_justify="left", title_style="bold")
    for name in columns.split():
        wraps = name in wrap.split()
        table.add_column(
            name.replace("_", " "),
            no_wrap=not wraps,
            overflow="fold" if wraps else "ellipsis",
            justify="right" if name in right.split() else "left",
            min_width=6 if wraps else None,
        )
    return table


def add_row(table: Table, *cells: object) -> None:
    """Cells as plain text: prompts and reasons may hold [brackets] that rich would read as markup."""
    table.add_row(*(c if isinstance(c, Text) else Text(str(c)) for c in cells))
