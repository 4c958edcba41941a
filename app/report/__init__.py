"""Evaluation reports: figures from recorded evaluations, written as report.html (self-contained) and report.json."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from adapters.ledger import AssayLedger
from adapters.tracking import TrackingStore
from adapters.views import catch_up
from app.report.compute import Report, ReportError, build_report
from domain.errors import InvalidInput
from projections.dataset import Dataset
from projections.evaluations import Evaluations


@dataclass(frozen=True)
class Written:
    """A report built and written: its figures and the two files."""

    report: Report
    html_path: Path
    json_path: Path


def write(report: Report, out_dir: Path) -> tuple[Path, Path]:
    """Write DIR/report.html and DIR/report.json; returns their paths."""
    from app.report.html import images, render

    out_dir.mkdir(parents=True, exist_ok=True)
    html_path, json_path = out_dir / "report.html", out_dir / "report.json"
    html_path.write_text(render(report, images(report)), encoding="utf-8")
    json_path.write_text(json.dumps(report.data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return html_path, json_path


def chosen(view: Evaluations, eval_ids: list[str] | None, dataset: str | None) -> list[dict[str, Any]]:
    """The completed evaluations to report: these ids (or unique prefixes), every one of ``dataset``, or the latest."""
    if eval_ids and dataset:
        raise InvalidInput("give --eval or --dataset, not both")
    if dataset:
        found = [e for e in view.rows() if e["completed"] and e["dataset"] == dataset]
        if not found:
            raise InvalidInput(f"no completed evaluation of dataset {dataset!r}")
        return found
    if not eval_ids:
        latest = view.latest()
        if latest is None:
            raise InvalidInput("no completed evaluation yet: run `assay eval --dataset NAME --model M` first")
        return [latest]
    out: list[dict[str, Any]] = []
    for text in eval_ids:
        found = view.find(text)
        if len(found) != 1:
            raise InvalidInput(f"{'ambiguous' if found else 'unknown'} evaluation id {text!r}")
        if not found[0]["completed"]:
            raise InvalidInput(f"evaluation {found[0]['eval_id']} is not complete")
        out += [e for e in found if e not in out]
    return out


def report(
    ledger: AssayLedger, tracking: TrackingStore, eval_ids: list[str] | None, dataset: str | None, output: Path
) -> Written:
    """Report the chosen evaluations (``chosen``) pooled, with each point's difficulty, into ``output``.

    ``InvalidInput`` (``ReportError`` among them) when they cannot be chosen, reported together or written."""
    evals = chosen(catch_up(ledger, tracking, Evaluations), eval_ids, dataset)
    probes = {p["candidate_id"]: p["difficulty"] for p in catch_up(ledger, tracking, Dataset).points()}
    try:
        built = build_report(evals, probes)
        html_path, json_path = write(built, output)
    except OSError as exc:
        raise InvalidInput(f"cannot write the report to {output}: {exc.strerror or exc}") from None
    return Written(built, html_path, json_path)


__all__ = ["Report", "ReportError", "Written", "build_report", "chosen", "report", "write"]
