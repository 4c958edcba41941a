"""Exports of the dataset (approved points): JSONL, Parquet, a Hugging Face dataset folder, Inspect samples.

Every format is a pure function of the points, so the same ledger exports to the same bytes. Files are
written whole or not at all.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.export.errors import ExportError

__all__ = ["FORMATS", "ExportError", "check", "export", "render"]

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


def export(fmt: str, points: list[dict[str, Any]], output: Path | None) -> bytes | None:
    """Write the export to ``output``; with no output, return the bytes for stdout (text formats only)."""
    from app.export.atomic import write_file, write_folder

    check(fmt, output)
    data = render(fmt, points)
    if output is None:
        assert isinstance(data, bytes)
        return data
    if isinstance(data, dict):
        write_folder(output, data)
    else:
        write_file(output, data)
    return None
