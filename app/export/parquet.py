"""Parquet: the flat rows (see ``rows.COLUMNS``) with an explicit Arrow schema and fixed writer settings.

Nothing in the file depends on the time or the machine: no pandas metadata, no timestamps, one row group,
fixed compression. The same rows and the same pyarrow version give the same bytes.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from app.export.rows import COLUMNS, SCHEMA_VERSION

_TYPES = {
    "string": pa.string(),
    "int64": pa.int64(),
    "float64": pa.float64(),
    "bool": pa.bool_(),
    "list<string>": pa.list_(pa.string()),
}
NULLABLE = {"band", "solve_rate", "in_band"}


def schema() -> pa.Schema:
    fields = [pa.field(name, _TYPES[kind], nullable=name in NULLABLE) for name, kind, _ in COLUMNS]
    return pa.schema(fields, metadata={"assay.schema_version": str(SCHEMA_VERSION)})


def table(rows: list[dict[str, Any]]) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=schema())


def render(rows: list[dict[str, Any]]) -> bytes:
    """The rows as one Parquet file (zstd level 3, a single row group, statistics on)."""
    sink = pa.BufferOutputStream()
    pq.write_table(
        table(rows),
        sink,
        row_group_size=max(len(rows), 1),
        compression="zstd",
        compression_level=3,
        use_dictionary=True,
        write_statistics=True,
        version="2.6",
        data_page_version="1.0",
        store_schema=True,
        write_page_index=False,
        write_page_checksum=False,
    )
    return sink.getvalue().to_pybytes()
