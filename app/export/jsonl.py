"""JSONL: each approved point as the dataset records it (nested payload, difficulty, receipts), one per line.

This is the lossless export: `assay eval --dataset FILE` reads it back.
"""

from __future__ import annotations

import json
from typing import Any


def render(points: list[dict[str, Any]]) -> bytes:
    """One JSON object per point with sorted keys, in verdict order."""
    ordered = sorted(points, key=lambda p: p.get("position", 0))
    return "".join(json.dumps(p, sort_keys=True, ensure_ascii=False) + "\n" for p in ordered).encode("utf-8")
