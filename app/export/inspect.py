"""Inspect (inspect_ai) samples: JSONL with ``id``, ``input``, ``target`` and ``metadata`` per line.

``inspect_ai.dataset.json_dataset(path)`` reads it as is (its default field names).
"""

from __future__ import annotations

import json
from typing import Any

# Flat columns kept as metadata; JSON text columns are decoded so metadata holds real values.
_JSON = ("coordinate", "payload", "pass_at_k")
_SKIP = ("id", "input", "target")


def sample(row: dict[str, Any]) -> dict[str, Any]:
    """One Inspect sample from one flat row."""
    meta = {k: (json.loads(v) if k in _JSON else v) for k, v in row.items() if k not in _SKIP}
    return {"id": row["id"], "input": row["input"], "target": row["target"], "metadata": meta}


def render(rows: list[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(sample(r), sort_keys=True, ensure_ascii=False) + "\n" for r in rows).encode("utf-8")
