"""The record a spec declares: named, typed columns, where each comes from, the label, and the text fields.

Everything that depends on a record's shape is derived from one RecordSchema: the Arrow schema of rows and
quarantines (schemas/record_arrow.py), the tool an LLM fills and the GX suite (schemas/record_derived.py), and the
texts dedup, decontamination, PII and memorisation read (the methods below).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, StrictInt, model_validator

from schemas import records as col
from schemas.spec_base import Strict

ColumnType = Literal["text", "integer", "number", "boolean", "category", "json", "messages"]
Role = Literal["system", "user", "assistant"]
# Columns every row has besides the declared ones; a declared column may not take their names.
RESERVED = {col.ID, *col.PROVENANCE_COLUMNS, col.JUDGE_SCORE, *col.LLM_COLUMNS, col.STAGE, col.REASON, col.SCORE}
RESERVED |= {col.DUPLICATE_OF, col.NEAREST_EVAL_ID, col.DETAIL}
TEXT_TYPES = ("text", "json", "messages")


class Column(Strict):
    type: ColumnType = "text"
    """text, integer, number, boolean, category (values), json (json_schema), messages (a list of {role, content})"""
    description: str = ""
    """what the column holds: shown to the LLM in its tool's schema"""
    source: Literal["generated", "sampler"] = "generated"
    """generated: the generator writes it; sampler: copied from the generator's sampler of the same name"""
    sampler: str | None = None
    """the sampler a source: sampler column copies (default: the column's name)"""
    required: bool = True
    """a row without a value (or with an empty text) fails the gates as gx_<column>_missing"""
    min_length: StrictInt | None = Field(default=None, ge=0)
    """fewest characters (text, json) or turns (messages)"""
    max_length: StrictInt | None = Field(default=None, ge=1)
    """most characters (text, json) or turns (messages)"""
    values: list[str] | None = None
    """category: the allowed values (a row with another is quarantined as category_not_allowed)"""
    json_schema: dict[str, Any] | Path | None = None
    """json: the JSON Schema a value must match (inline, or a file relative to the spec)"""
    judged: bool = True
    """shown to the LLM judges"""

    @model_validator(mode="after")
    def _fits_its_type(self) -> Column:
        if self.values is not None and self.type != "category":
            raise ValueError(f"values is for category columns, not {self.type}")
        if self.json_schema is not None and self.type != "json":
            raise ValueError(f"json_schema is for json columns, not {self.type}")
        if (self.min_length is not None or self.max_length is not None) and self.type not in TEXT_TYPES:
            raise ValueError(f"min_length and max_length are for text, json and messages columns, not {self.type}")
        return self

    def schema_document(self) -> dict | None:
        """The JSON Schema as a mapping (read from its file when it is one)."""
        if isinstance(self.json_schema, Path):
            return json.loads(self.json_schema.read_text())
        return self.json_schema


class RecordSchema(Strict):
    """A record: the columns of a row, which column is its label, and which columns are its comparable text."""

    name: str = Field(default="custom", pattern=r"^[a-z0-9_]+$")
    """names the derived GX suite (<name>_record)"""
    columns: dict[str, Column] = Field(min_length=1)
    """column name -> its declaration, in the order rows hold them"""
    label: str | None = None
    """the category column blend stratifies and balances by (and validators' categories read)"""
    text_fields: list[str] = Field(min_length=1)
    """what dedup and decontamination compare (a messages column: its user turns); PII, refusal, forbidden-string and
    memorisation checks read every text, json and messages column"""

    @model_validator(mode="after")
    def _names_are_declared(self) -> RecordSchema:
        for name in self.columns:
            if name in RESERVED or not name.isidentifier() or name != name.lower():
                raise ValueError(
                    f"columns.{name}: not a usable column name (lower-case, not one of {sorted(RESERVED)})"
                )
        if self.label is not None and self.columns.get(self.label, Column(type="text")).type != "category":
            raise ValueError(f"label: {self.label!r} is not a category column")
        for field in self.text_fields:
            if field not in self.columns or self.columns[field].type not in TEXT_TYPES:
                raise ValueError(f"text_fields: {field!r} is not a text, json or messages column")
        return self

    def of_type(self, *types: str) -> list[str]:
        return [name for name, column in self.columns.items() if column.type in types]

    def generated(self) -> list[str]:
        return [name for name, column in self.columns.items() if column.source == "generated"]

    def sampled(self) -> dict[str, str]:
        """Sampler columns: column name -> the sampler it copies."""
        return {n: c.sampler or n for n, c in self.columns.items() if c.source == "sampler"}

    def comparable_text(self, row: dict) -> str:
        """What two rows are compared on by dedup and decontamination: the text fields, user turns of a chat."""
        return "\n".join(field_text(row.get(f), self.columns[f].type, user_only=True) for f in self.text_fields).strip()

    def all_text(self, row: dict) -> str:
        """Every text a row holds, for the checks that must see all of it (PII, refusals, memorisation)."""
        return "\n".join(field_text(row.get(name), self.columns[name].type) for name in self.of_type(*TEXT_TYPES))

    def headline(self, row: dict) -> str:
        """The text a person reads a row by (the first text field: an instruction, a prompt, a chat's user turns)."""
        first = self.text_fields[0]
        return field_text(row.get(first), self.columns[first].type, user_only=True)

    def answer_column(self) -> str | None:
        """The first text, json or messages column that is not a text field: what answers the headline."""
        return next((n for n in self.of_type(*TEXT_TYPES) if n not in self.text_fields), None)

    def judged_record(self, row: dict) -> dict:
        """The columns a judge sees, as JSON-ready values."""
        values = {n: plain(row.get(n)) for n, c in self.columns.items() if c.judged}
        return {n: "" if v is None else v for n, v in values.items()}


def turns(value: Any) -> list[dict]:
    """A messages value as a list of {role, content} (Parquet hands lists back as numpy arrays)."""
    if value is None or (isinstance(value, float) and value != value):
        return []
    return [dict(turn) for turn in list(value)]


def plain(value: Any) -> Any:
    """A cell as plain JSON-ready Python: numpy scalars and arrays unwrapped, NaN as None."""
    if hasattr(value, "tolist") and not isinstance(value, str):
        value = value.tolist()
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def field_text(value: Any, type_: str, user_only: bool = False) -> str:
    """A column's value as text: a chat's turns one per line (only the user's with user_only)."""
    if type_ == "messages":
        return "\n".join(str(t.get("content") or "") for t in turns(value) if not user_only or t.get("role") == "user")
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return str(value)
