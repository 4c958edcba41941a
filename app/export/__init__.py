"""Exports of the dataset (approved points): JSONL, Parquet, a Hugging Face dataset folder, Inspect samples.

Every format is a pure function of the points, so the same ledger exports to the same bytes. Files are
written whole or not at all. ``export_dataset`` is the use case: the ledger's approved points, chosen and exported.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from adapters.ledger import AssayLedger
from adapters.tracking import TrackingStore
from adapters.views import catch_up
from app.datasets import DatasetError, is_file_name, select
from app.export.errors import ExportError
from projections.dataset import Dataset

__all__ = ["FORMATS", "ExportError", "Exported", "check", "export", "export_dataset", "render"]

FORMATS = ("jsonl", "parquet", "hf", "inspect")
TO_STDOUT = ("jsonl", "inspect")  # text formats may go to stdout; parquet is binary and hf a folder


def check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise ExportError(f"unknown export format {fmt!r}; supported: {', '.join(FORMATS)}")


def check(fmt: str, output: Path | None) -> None:
    """Refuse an unknown format, or a binary/folder format without --output, before any work is done."""
    check_format(fmt)
    if output is None and fmt not in TO_STDOUT:
        what = "a folder" if fmt == "hf" else "a binary file"
        raise ExportError(f"--format {fmt} writes {what}: name it with --output PATH")


def render(fmt: str, points: list[dict[str, Any]]) -> bytes | dict[str, bytes]:
    """The export's bytes (a file's content, or a folder's files by relative path)."""
    check_format(fmt)
    if not points:
        raise ExportError("no approved points to export: approve some with `assay review ID --approve`")
    if fmt == "jsonl":
        from app.export import jsonl

        return jsonl.render(points)
    from app.export import hf, inspect, parquet
    from app.export.rows import rows

    renderers: dict[str, Callable[[list[dict[str, Any]]], bytes | dict[str, bytes]]] = {
        "parquet": parquet.render,
        "hf": hf.files,
        "inspect": inspect.render,
    }
    return renderers[fmt](rows(points))


def export(fmt: str, points: list[dict[str, Any]], output: Path | None) -> bytes | dict[str, bytes]:
    """The export's bytes (as ``render``), written to ``output`` when one is named (text formats only without)."""
    from app.export.atomic import write_file, write_folder

    check(fmt, output)
    data = render(fmt, points)
    if output is None:
        assert isinstance(data, bytes)
    elif isinstance(data, dict):
        write_folder(output, data)
    else:
        write_file(output, data)
    return data


@dataclass(frozen=True)
class Exported:
    """An export done: how many points, the bytes for stdout when no output was named (else None), the bytes
    written in all, and a folder's files by relative path (empty for a one-file format)."""

    points: int
    data: bytes | None
    size: int = 0
    files: tuple[str, ...] = ()


def choose(name: str, points: list[dict[str, Any]], specs: dict[str, str]) -> list[dict[str, Any]]:
    """The points of one spec name or run id (as `assay eval --dataset` reads it), or all of them."""
    if name == "all":
        return points
    if is_file_name(name):
        raise ExportError(f"--dataset {name!r}: export reads the ledger; name a spec, a run id or 'all'")
    try:
        return select(name, points, specs)
    except DatasetError as exc:
        text = str(exc).replace("has no approved points", "has no approved points to export")
        raise ExportError(text.replace(", 'all' or a JSONL file", " or 'all'")) from None


def export_dataset(
    ledger: AssayLedger, tracking: TrackingStore, fmt: str, output: Path | None, dataset: str = "all"
) -> Exported:
    """Approved points of ``dataset`` (a spec name, a run id or 'all') in verdict order, exported as ``fmt`` to
    ``output`` (or returned for stdout); ``ExportError`` (an ``InvalidInput``) when nothing can be written."""
    check(fmt, output)
    view = catch_up(ledger, tracking, Dataset)
    points = view.points()
    if not points:
        raise ExportError("no approved points to export: approve some with `assay review ID --approve`")
    chosen = choose(dataset, points, view.specs)
    data = export(fmt, chosen, output)
    if isinstance(data, dict):
        return Exported(len(chosen), None, sum(len(b) for b in data.values()), tuple(sorted(data)))
    return Exported(len(chosen), data if output is None else None, len(data))
