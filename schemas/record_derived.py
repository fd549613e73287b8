"""What a RecordSchema determines, derived in one place: the Arrow schemas of rows and quarantines, the tool an LLM
fills, the GX suite, and the Hugging Face features of the card."""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from schemas import records as col
from schemas.record_schema import Column, RecordSchema

MESSAGE = pa.struct([pa.field("role", pa.string()), pa.field("content", pa.string())])
ARROW_TYPES = {
    "text": pa.string(),
    "integer": pa.int64(),
    "number": pa.float64(),
    "boolean": pa.bool_(),
    "category": pa.string(),
    "json": pa.string(),  # JSON text: a value that breaks its JSON Schema must still reach the gates to be named
    "messages": pa.list_(MESSAGE),
}
JSON_TYPES = {"text": "string", "integer": "integer", "number": "number", "boolean": "boolean", "category": "string"}
TOOL_DESCRIPTION = "What a generator must produce for one row; the JSON schema of the LLM's tool call."
# Every row's columns after the record's: provenance, judge score and LLM usage (schemas/records.py).
_TAIL = [field for field in col.ROW_SCHEMA if field.name not in col.RECORD_COLUMNS]
_QUARANTINE_TAIL = [field for field in col.QUARANTINE_SCHEMA if field.name not in col.ROW_SCHEMA.names]


def row_schema(record: RecordSchema) -> pa.Schema:
    """id, the declared columns with their types, then provenance and LLM usage."""
    declared = [pa.field(name, ARROW_TYPES[c.type]) for name, c in record.columns.items()]
    return pa.schema([pa.field(col.ID, pa.string(), nullable=False), *declared, *_TAIL])


def quarantine_schema(record: RecordSchema) -> pa.Schema:
    """A row of the record, as typed as a kept row, then stage, reason, score, duplicate_of, nearest eval, detail."""
    return pa.schema(list(row_schema(record)) + _QUARANTINE_TAIL)


def _title(name: str) -> str:
    return " ".join(part.capitalize() for part in name.split("_"))


def column_json_schema(name: str, column: Column, for_validation: bool = False) -> dict[str, Any]:
    """One column as a JSON Schema property. A json column asks for its own schema, but a reply is validated only
    as JSON (for_validation): whether it matches is the gates' json_schema_violation."""
    described = {"description": column.description} if column.description else {}
    if column.type == "json":
        shape = {} if for_validation else (column.schema_document() or {})
        return {**shape, **described, "title": _title(name)}
    if column.type == "messages":
        turn = {
            "type": "object",
            "properties": {
                "role": {"type": "string", "enum": ["user", "assistant"]},
                "content": {"type": "string", "minLength": 1},
            },
            "required": ["role", "content"],
            "additionalProperties": False,
        }
        limits = {"minItems": column.min_length or 1} | ({"maxItems": column.max_length} if column.max_length else {})
        return {"type": "array", "items": turn, **limits, **described, "title": _title(name)}
    prop: dict[str, Any] = {"type": JSON_TYPES[column.type], **described, "title": _title(name)}
    if column.type == "category" and column.values:
        prop["enum"] = list(column.values)
    if column.type == "text":
        prop |= {"minLength": 1} if column.required else {"default": ""}
    return prop


def tool_schema(record: RecordSchema, columns: list[str], for_validation: bool = False) -> dict[str, Any]:
    """The JSON Schema of the one tool call that asks an LLM for `columns` of a row."""
    return {
        "additionalProperties": False,
        "description": TOOL_DESCRIPTION,
        "properties": {n: column_json_schema(n, record.columns[n], for_validation) for n in columns},
        "required": [n for n in columns if record.columns[n].required],
        "title": _title(record.name).replace(" ", "") + "Record",
        "type": "object",
    }


def _expectation(type_: str, reason: str, **kwargs) -> dict:
    return {"type": type_, "kwargs": kwargs, "meta": {"reason": reason}}


def column_expectations(name: str, column: Column) -> list[dict]:
    """The row-level gates one column's declaration implies (types are the Arrow schema's to enforce)."""
    found = []
    if column.required:
        found.append(_expectation("expect_column_values_to_not_be_null", f"gx_{name}_missing", column=name))
    if column.type in ("text", "json") and (column.min_length is not None or column.max_length is not None):
        bounds = {"min_value": column.min_length} if column.min_length is not None else {}
        bounds |= {"max_value": column.max_length} if column.max_length is not None else {}
        found.append(
            _expectation("expect_column_value_lengths_to_be_between", f"gx_{name}_length", column=name, **bounds)
        )
    if column.type == "category" and column.values:
        found.append(
            _expectation(
                "expect_column_values_to_be_in_set", "category_not_allowed", column=name, value_set=column.values
            )
        )
    if column.type == "json":
        found.append(_expectation("expect_column_values_to_be_json_parseable", "json_not_valid", column=name))
        if (document := column.schema_document()) is not None:
            found.append(
                _expectation(
                    "expect_column_values_to_match_json_schema",
                    "json_schema_violation",
                    column=name,
                    json_schema=document,
                )
            )
    return found


def record_suite(record: RecordSchema) -> dict:
    """The base GX suite of a record: ids, then required columns, optional ones and the label, then the batch."""
    order = [n for n, c in record.columns.items() if n != record.label and c.required]
    order += [n for n, c in record.columns.items() if n != record.label and not c.required]
    order += [record.label] if record.label else []
    expectations = [
        _expectation("expect_column_values_to_not_be_null", "gx_id_missing", column=col.ID),
        _expectation("expect_column_values_to_be_unique", "gx_id_not_unique", column=col.ID),
    ]
    for name in order:
        expectations += column_expectations(name, record.columns[name])
    expectations.append(_expectation("expect_table_row_count_to_be_between", "gx_batch_row_count", min_value=1))
    return {"name": f"{record.name}_record", "version": 1, "expectations": expectations}


def hf_feature(type_: pa.DataType) -> dict:
    """A Hugging Face `datasets` feature, as the card's YAML header writes it, for an Arrow type."""
    if pa.types.is_list(type_):
        return {"list": [{"name": f.name, **hf_feature(f.type)} for f in type_.value_type]}
    names = {pa.string(): "string", pa.int64(): "int64", pa.float64(): "float64", pa.bool_(): "bool"}
    return {"dtype": names[type_]}


def hf_features(record: RecordSchema) -> list[dict]:
    """Every published column with its feature, so `datasets` loads each with its declared type."""
    return [{"name": f.name, **hf_feature(f.type)} for f in row_schema(record)]
