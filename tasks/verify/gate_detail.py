"""Why a row failed a row-level gate, in words a person can act on: GX reports which rows failed, not why."""

from __future__ import annotations

import json
from typing import Any

import jsonschema


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def why_failed(expectation_type: str, kwargs: dict[str, Any], value: Any) -> str | None:
    """The failing value and the rule it breaks, for the gates whose reason alone does not say (None otherwise)."""
    column = kwargs.get("column")
    if expectation_type == "expect_column_values_to_match_json_schema":
        try:
            document = json.loads(value)
        except (TypeError, ValueError):
            return f"{column}: not JSON"
        errors = jsonschema.Draft202012Validator(kwargs["json_schema"]).iter_errors(document)
        error = jsonschema.exceptions.best_match(errors)
        if error is None:
            return None
        path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
        return f"{column} at ${path}: {error.message}"
    if expectation_type == "expect_column_values_to_be_in_set":
        return f"{column}: {_shown(value)} is not one of {', '.join(map(str, kwargs['value_set']))}"
    if expectation_type == "expect_column_value_lengths_to_be_between":
        low, high = kwargs.get("min_value"), kwargs.get("max_value")
        return f"{column}: {len(value) if value is not None else 'no'} characters, allowed {low or 0}..{high or 'any'}"
    return None
