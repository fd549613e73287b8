"""The one structured-output tool an LLM backend asks for a row of any record: the columns it asks for, its schema,
the few-shot text of a seed row, and its reply read back as the record's columns or refused naming the column."""

from __future__ import annotations

import json
from typing import Any

import jsonschema

from schemas.record_derived import tool_schema
from schemas.record_schema import RecordSchema, plain
from schemas.record_values import typed_value
from tasks.generate.sampler import json_safe
from tasks.quarantine import Reason

TOOL_DESCRIPTION = "Emit one training record."
# A reply read back: (the row's record columns, None, None), or (what could be read, reason, detail).
ReadReply = tuple[dict | None, str | None, str | None]


def fixed_columns(record: RecordSchema, values: dict[str, Any], category: str | None) -> dict[str, Any]:
    """The record's columns a row has before the LLM is asked: sampler columns copied from the row's sampled
    values (as their declared types), and a generated label set to the generator's category."""
    sampled = json_safe(values)
    fixed = {name: typed_value(sampled[sampler], record.columns[name]) for name, sampler in record.sampled().items()}
    if record.label is not None and record.label not in fixed and category is not None:
        fixed[record.label] = category
    return fixed


def asked_columns(record: RecordSchema, fixed: dict[str, Any]) -> list[str]:
    """The generated columns the LLM must write: all but those the row already has (its category, for one)."""
    return [name for name in record.generated() if name not in fixed]


def record_tool(record: RecordSchema, fixed: dict[str, Any]) -> dict[str, Any]:
    """The JSON Schema of the tool: every asked column with its type, a chat as a list of {role, content}. Each
    column's keywords are sorted, as the stored instruction schema's are, so its requests stay byte-identical."""
    schema = tool_schema(record, asked_columns(record, fixed))
    return {**schema, "properties": {name: dict(sorted(p.items())) for name, p in schema["properties"].items()}}


def exemplar_text(row: dict, record: RecordSchema, columns: list[str]) -> str:
    """A seed row as a few-shot example: one `Title: value` line per asked column (a chat and JSON as JSON)."""
    lines = []
    for name in columns:
        value = plain(row.get(name))
        if record.columns[name].type in ("messages", "json") and value is not None and not isinstance(value, str):
            value = json.dumps(value, ensure_ascii=False)
        lines.append(f"{' '.join(p.capitalize() for p in name.split('_'))}: {'' if value is None else value}")
    return "\n".join(lines)


def _where(error: jsonschema.ValidationError, arguments: Any) -> str:
    """The column a schema error is about: a missing one by name, else the path to the bad value."""
    if error.validator == "required" and isinstance(arguments, dict) and not error.path:
        missing = [name for name in error.validator_value if name not in arguments]
        return missing[0] if missing else "(reply)"
    return ".".join(str(p) for p in error.path) or "(reply)"


def _json_problem(values: dict, record: RecordSchema) -> tuple[str, str] | None:
    """(reason, detail naming the column) for the first json column that is not JSON or breaks its JSON Schema."""
    for name, value in values.items():
        if record.columns[name].type != "json" or value is None:
            continue
        try:
            parsed = json.loads(value)
        except ValueError as error:
            return Reason.JSON_NOT_VALID, f"{name}: {error}"
        document = record.columns[name].schema_document()
        found = document and jsonschema.exceptions.best_match(
            jsonschema.Draft202012Validator(document).iter_errors(parsed)
        )
        if found:
            inner = "".join(f".{p}" for p in found.path)
            return Reason.JSON_SCHEMA_VIOLATION, f"{name}{inner}: {found.message}"
    return None


def read_reply(arguments: Any, record: RecordSchema, fixed: dict[str, Any]) -> ReadReply:
    """The tool's arguments as the row's record columns (the fixed ones added), or a reason naming the column:
    llm_invalid_record for a missing or mistyped column, a bad turn or a category outside its values;
    json_not_valid or json_schema_violation, with the reply's values kept, for a json column that is not JSON
    (a string that does not parse) or breaks its JSON Schema."""
    asked = asked_columns(record, fixed)
    validator = jsonschema.Draft202012Validator(tool_schema(record, asked, for_validation=True))
    error = next(iter(sorted(validator.iter_errors(arguments), key=lambda e: list(e.path))), None)
    if error is not None:
        return None, Reason.LLM_INVALID_RECORD, f"{_where(error, arguments)}: {error.message}"[:500]
    try:
        values = {name: typed_value(arguments.get(name), record.columns[name]) for name in asked}
    except (TypeError, ValueError) as wrong:
        return None, Reason.LLM_INVALID_RECORD, str(wrong)[:500]
    # An optional text left out is empty, as the tool's default says.
    values |= {n: "" for n in asked if values[n] is None and record.columns[n].type == "text"}
    row = {**values, **fixed}
    if (problem := _json_problem(values, record)) is not None:
        return row, problem[0], problem[1][:500]
    return row, None, None
