"""What a candidate's trace adds to the raw facts: the before and after of every field a repair changed."""

from __future__ import annotations

import json
from typing import Any


def _short(value: Any, limit: int = 160) -> str:
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def annotate_repairs(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Give each Repaired row ``changes``: [{field, before, after}], following the payload from the draft on."""
    payload: dict[str, Any] = {}
    for row in rows:
        if row["type"] == "Drafted":
            payload = dict(row.get("payload") or {})
        elif row["type"] == "Repaired":
            after = dict(row.get("payload") or {})
            row["changes"] = [{"field": k, "before": payload.get(k), "after": after.get(k)} for k in row["diff"]]
            payload = after
        elif row["type"] == "VerdictGiven" and row.get("payload") is not None:
            after = dict(row["payload"])
            row["changes"] = [
                {"field": k, "before": payload.get(k), "after": after.get(k)}
                for k in sorted(set(payload) | set(after))
                if payload.get(k) != after.get(k)
            ]
    return rows


def change_lines(row: dict[str, Any]) -> list[str]:
    """What each change did, shortened for a terminal: ``field: before -> after``; for lists (rubric rows,
    actions, transcript turns) the elements removed (-) and added (+)."""
    lines = []
    for c in row.get("changes", []):
        before, after = c["before"], c["after"]
        if isinstance(before, list) and isinstance(after, list):
            keys = [json.dumps(x, sort_keys=True, default=str) for x in before]
            new = [json.dumps(x, sort_keys=True, default=str) for x in after]
            lines.append(f"  {c['field']}:")
            lines += [f"    - {_short(x)}" for x, k in zip(before, keys, strict=True) if k not in new]
            lines += [f"    + {_short(x)}" for x, k in zip(after, new, strict=True) if k not in keys]
        else:
            lines.append(f"  {c['field']}: {_short(before)}  ->  {_short(after)}")
    return lines
