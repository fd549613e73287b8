"""The one structured-output tool an LLM backend asks for a row of any record: its schema, and its reply read back
as the record's columns (not yet wired into tasks/generate/anthropic.py and openai_compatible.py)."""

from __future__ import annotations

from typing import Any

import jsonschema

from schemas.record_derived import tool_schema
from schemas.record_schema import RecordSchema
from schemas.record_values import typed_value


def asked_columns(record: RecordSchema, fixed: dict[str, Any]) -> list[str]:
    """The generated columns the LLM must write: all but those the generator fixes (its category, for one)."""
    return [name for name in record.generated() if name not in fixed]


def record_tool(record: RecordSchema, fixed: dict[str, Any]) -> dict[str, Any]:
    """The JSON Schema of the tool: every asked column with its type, a chat as a list of {role, content}."""
    return tool_schema(record, asked_columns(record, fixed))


def read_reply(arguments: Any, record: RecordSchema, fixed: dict[str, Any]) -> tuple[dict | None, str | None]:
    """(the row's record columns, None) for a reply that fits the tool (JSON Schemas of json columns are left to
    the gates), else (None, what is wrong, naming the column)."""
    asked = asked_columns(record, fixed)
    validator = jsonschema.Draft202012Validator(tool_schema(record, asked, for_validation=True))
    error = next(iter(sorted(validator.iter_errors(arguments), key=lambda e: list(e.path))), None)
    if error is not None:
        where = ".".join(str(p) for p in error.path) or "(reply)"
        return None, f"{where}: {error.message}"[:500]
    values = {name: typed_value(arguments.get(name), record.columns[name]) for name in asked}
    return {**values, **fixed}, None
