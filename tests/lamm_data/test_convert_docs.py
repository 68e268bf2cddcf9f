"""docs/arrow.md lists the columns the mapping actually produces (the table cannot go stale)."""

from __future__ import annotations

from pathlib import Path

from lamm_data.catalog import entries
from lamm_data.features import arrow_type, columns, media_columns, schema_fields
from lamm_data.schemas import RECORD_MODELS

DOC = Path(__file__).resolve().parents[2] / "docs" / "arrow.md"


def own_columns_table() -> str:
    """The per-record-type table of docs/arrow.md, rendered from the schemas."""
    lines = ["| record type | files | own columns (Arrow type) |", "| --- | --- | --- |"]
    for key, model in RECORD_MODELS.items():
        files = ", ".join(e.name for e in entries(kind="meta") if e.record_model.KEY == key)
        cols = "<br>".join(f"`{name}`: `{arrow_type(spec)}`" for name, spec in schema_fields(model))
        lines.append(f"| `{key}` | {files} | {cols} |")
    return "\n".join(lines)


def test_record_type_table_matches_the_mapping() -> None:
    assert own_columns_table() in DOC.read_text()


def test_every_common_and_media_column_is_documented() -> None:
    text = DOC.read_text()
    names = {name for model in RECORD_MODELS.values() for name, _ in columns(model)}
    names |= {name for model in RECORD_MODELS.values() for name, _ in media_columns(model, embed_media=True)}
    for name in names:
        assert f"`{name}`" in text, name
