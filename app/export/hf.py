"""A Hugging Face dataset folder: ``data/train-00000-of-00001.parquet`` and a README.md dataset card whose YAML
front matter names the config, the split and the features, so ``datasets.load_dataset(folder)`` loads it."""

from __future__ import annotations

from typing import Any

from app.export import parquet
from app.export.rows import COLUMNS, SCHEMA_VERSION

DATA_FILE = "data/train-00000-of-00001.parquet"
CARD = "README.md"


def _feature(name: str, kind: str) -> str:
    if kind.startswith("list<"):
        return f"  - name: {name}\n    list: {kind[5:-1]}\n"
    return f"  - name: {name}\n    dtype: {kind}\n"


def card(rows: list[dict[str, Any]]) -> str:
    """The dataset card: YAML front matter, then what the rows are, how to load them and each column."""
    recipes = ", ".join(sorted({r["recipe"] for r in rows}))
    specs = ", ".join(sorted({r["spec_name"] for r in rows if r["spec_name"]})) or "-"
    features = "".join(_feature(name, kind) for name, kind, _ in COLUMNS)
    columns = "".join(f"| `{name}` | {kind} | {text} |\n" for name, kind, text in COLUMNS)
    return (
        "---\n"
        "configs:\n- config_name: default\n  data_files:\n  - split: train\n    path: data/train-*\n"
        f"dataset_info:\n  features:\n{features}"
        "tags:\n- assay\n- synthetic\n- evaluation\n"
        "---\n\n"
        "# Assay dataset\n\n"
        f"{len(rows)} evaluation points exported by Assay (row schema version {SCHEMA_VERSION}), each approved by a "
        "person after passing the recipe's gates, with its measured difficulty (pass@k per panel model) and the "
        f"receipts of the model calls behind it.\n\n- recipes: {recipes}\n- specs: {specs}\n\n"
        "## Loading\n\n```python\nfrom datasets import load_dataset\n\n"
        'points = load_dataset("path/to/this/folder", split="train")\n```\n\n'
        "`coordinate`, `payload` and `pass_at_k` are JSON text (`json.loads` them).\n\n"
        f"## Columns\n\n| column | type | meaning |\n| --- | --- | --- |\n{columns}"
    )


def files(rows: list[dict[str, Any]]) -> dict[str, bytes]:
    """The folder's files by relative path."""
    return {CARD: card(rows).encode("utf-8"), DATA_FILE: parquet.render(rows)}
