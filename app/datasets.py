"""A ``--dataset`` value and the approved points it names: a spec name, a run id (or unique prefix), "all", or a
JSONL file written by `assay export`. `assay eval` reads all four; `assay export` the ledger's three."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import recipes
from app.files import read_text
from domain.errors import InvalidInput, SpecError


class DatasetError(InvalidInput):
    """A dataset that names no usable points: nothing was recorded or written."""


def load_jsonl(path: Path) -> list[dict[str, Any]]:
    """Points from a file written by `assay export`."""
    points = []
    for number, line in enumerate(read_text(path, "dataset file").splitlines(), 1):
        if not line.strip():
            continue
        try:
            point = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DatasetError(f"{path}:{number}: not JSON ({exc.msg})") from None
        if not isinstance(point, dict) or not all(
            isinstance(point.get(k), t) for k, t in (("candidate_id", str), ("recipe", str), ("payload", dict))
        ):
            raise DatasetError(f"{path}:{number}: not an exported point (needs candidate_id, recipe, payload)")
        points.append(point)
    return points


def is_file_name(name: str) -> bool:
    """Whether ``name`` reads as a JSONL file rather than a spec name, a run id or "all"."""
    return Path(name).suffix in (".jsonl", ".json") or Path(name).is_file()


def select(name: str, points: list[dict[str, Any]], specs: dict[str, str]) -> list[dict[str, Any]]:
    """Points of the dataset projection by spec name, run id (or unique prefix), or "all"; or a JSONL file."""
    path = Path(name)
    if is_file_name(name):
        chosen = load_jsonl(path)
    elif name == "all":
        chosen = points
    elif name in specs.values():
        chosen = [p for p in points if p["spec_name"] == name]
    else:
        runs = [r for r in specs if r == name] or [r for r in specs if len(name) >= 4 and r.startswith(name)]
        if len(runs) != 1:
            known = ", ".join(sorted(set(specs.values()))) or "none yet"
            what = "is ambiguous" if runs else "is not a spec name, a run id, 'all' or a JSONL file"
            raise DatasetError(f"unknown dataset {name!r}: it {what}; known spec names: {known}")
        chosen = [p for p in points if p["run_id"] == runs[0]]
    if not chosen and path.suffix in (".jsonl", ".json"):
        raise DatasetError(f"dataset file {path} holds no points")
    if not chosen:
        raise DatasetError(f"dataset {name!r} has no approved points (approve some with `assay review ID --approve`)")
    ids = [p["candidate_id"] for p in chosen]
    if len(set(ids)) != len(ids):
        raise DatasetError(f"dataset {name!r} lists a point more than once")
    return chosen


def check_recipe(name: str, points: list[dict[str, Any]], wanted: str | None) -> str:
    """The one recipe of the points (``wanted``, if given), each point's payload valid for it."""
    found = sorted({p["recipe"] for p in points})
    if len(found) > 1:
        raise DatasetError(f"dataset {name!r} mixes recipes ({', '.join(found)}): evaluate one recipe at a time")
    if wanted is not None and wanted != found[0]:
        raise DatasetError(f"dataset {name!r} holds {found[0]} points, not --recipe {wanted}")
    try:
        recipe = recipes.get(found[0])
    except SpecError as exc:
        raise DatasetError(str(exc)) from None
    for p in points:
        if problems := recipe.validate(p["payload"]):
            raise DatasetError(f"dataset {name!r}: point {p['candidate_id']}: {problems[0]}")
    return found[0]
