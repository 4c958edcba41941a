"""Evaluation reports: figures from recorded evaluations, written as report.html (self-contained) and report.json."""

from __future__ import annotations

import json
from pathlib import Path

from app.report.compute import Report, ReportError, build_report


def write(report: Report, out_dir: Path) -> tuple[Path, Path]:
    """Write DIR/report.html and DIR/report.json; returns their paths."""
    from app.report.html import images, render

    out_dir.mkdir(parents=True, exist_ok=True)
    html_path, json_path = out_dir / "report.html", out_dir / "report.json"
    html_path.write_text(render(report, images(report)), encoding="utf-8")
    json_path.write_text(json.dumps(report.data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return html_path, json_path


__all__ = ["Report", "ReportError", "build_report", "write"]
