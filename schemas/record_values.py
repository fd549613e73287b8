"""Values of a declared column as rows hold them: from a seed file, a rendered template or an LLM's reply.

A json column holds JSON text (an object from a file or a reply is serialised), so a value that breaks its JSON
Schema still reaches the gates and is named there; a messages column holds a list of {role, content}.
"""

from __future__ import annotations

import json
from typing import Any

from schemas.record_schema import Column, plain

TRUE, FALSE = {"true", "yes", "1"}, {"false", "no", "0"}
ROLES = ("system", "user", "assistant")


def as_messages(value: Any) -> list[dict]:
    """A list of {role, content} with known roles and text content; ValueError says what is wrong."""
    turns = plain(value)
    if isinstance(turns, str):
        turns = json.loads(turns)
    if not isinstance(turns, list):
        raise ValueError(f"expected a list of {{role, content}}, got {type(turns).__name__}")
    checked = []
    for position, turn in enumerate(turns):
        if not isinstance(turn, dict) or set(turn) != {"role", "content"}:
            raise ValueError(f"turn {position + 1}: expected exactly role and content")
        if turn["role"] not in ROLES or not isinstance(turn["content"], str):
            raise ValueError(f"turn {position + 1}: role must be one of {', '.join(ROLES)} and content a text")
        checked.append({"role": turn["role"], "content": turn["content"]})
    return checked


def as_boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text not in TRUE | FALSE:
        raise ValueError(f"{value!r} is not a boolean")
    return text in TRUE


def typed_value(value: Any, column: Column) -> Any:
    """A value as the column's type (None stays None); ValueError or TypeError when it cannot be."""
    value = plain(value)
    if value is None:
        return None
    if column.type in ("text", "category"):
        return str(value)
    if column.type == "integer":
        if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
            raise ValueError(f"{value!r} is not an integer")
        return int(str(value).strip()) if isinstance(value, str) else int(value)
    if column.type == "number":
        if isinstance(value, bool):
            raise ValueError(f"{value!r} is not a number")
        return float(value)
    if column.type == "boolean":
        return as_boolean(value)
    if column.type == "json":
        return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return as_messages(value)


def seed_value(value: Any, column: Column, schema: dict | None = None) -> Any:
    """A seed file's cell as the column's type; a missing cell (None, NaN) is None. A category must be one of its
    values and a json cell JSON matching `schema` (the column's), else ValueError: seed rows are published as they
    are, no gate reads them."""
    typed = typed_value(value, column)
    if typed is None:
        return None
    if column.type == "category" and column.values and typed not in column.values:
        raise ValueError(f"{typed!r} is not one of {', '.join(column.values)}")
    if column.type == "json":
        import jsonschema

        try:
            document = json.loads(typed)
        except json.JSONDecodeError as error:
            raise ValueError(f"not JSON: {error}") from None
        validator = jsonschema.validators.validator_for(schema or {})(schema or {})
        if found := jsonschema.exceptions.best_match(validator.iter_errors(document)):
            raise ValueError(f"breaks its JSON Schema at {found.json_path}: {found.message}")
    return typed
