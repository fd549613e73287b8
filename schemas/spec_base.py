"""The base of every spec model: unknown keys and wrong types fail with the field's name."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class SpecError(ValueError):
    """A spec that cannot be built; the message names the file and field."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)
