"""The nightly deployment's run form: a spec chosen from deployments/specs and typed overrides, which the Prefect UI
renders as a dropdown and fields with descriptions. A key the form does not know is an error naming it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_serializer

SPECS = Path(__file__).resolve().parents[1] / "deployments" / "specs"
SpecName = StrEnum("SpecName", {path.stem: path.stem for path in sorted(SPECS.glob("*.yaml"))})  # type: ignore[misc]


def without_nulls(schema: dict[str, Any]) -> None:
    """Each field as its own type: the form shows an empty field for 'keep the spec's value', not a type switch."""
    for field in schema["properties"].values():
        kinds = [kind for kind in field.pop("anyOf", []) if kind != {"type": "null"}]
        field.update(kinds[0] if kinds else {})
        field.pop("default", None)


class RunOverrides(BaseModel):
    """Changes to the spec for this run only; empty fields keep the spec's values."""

    model_config = ConfigDict(extra="forbid", title="Overrides", json_schema_extra=without_nulls)

    rows: int | None = Field(default=None, ge=1, description="candidate rows to generate (generator.rows)")
    seed: int | None = Field(
        default=None, description="sampling seed; the same seed gives the same rows (generator.seed)"
    )
    model: str | None = Field(
        default=None, description="the model that writes rows (generator.model; LLM backends only)"
    )
    budget_usd: float | None = Field(
        default=None,
        gt=0,
        title="Budget (USD)",
        description="hard cost cap in USD; the run stops, resumable, when reached (generator.budget)",
    )
    data_root: str | None = Field(
        default=None,
        description="where versions are published: a path or fsspec URL (default: the spec's publish.data_root, "
        "else the worker's SYNTHFACTORY_DATA_ROOT)",
    )

    @model_serializer(mode="wrap")
    def only_set(self, handler: Any) -> dict[str, Any]:
        """Empty fields are left out (the form's default is {}, which the server's schema check accepts)."""
        return {name: value for name, value in handler(self).items() if value is not None}

    def spec_fields(self) -> dict[str, Any]:
        """The dotted spec fields these overrides set (data_root is the build's, not the spec's)."""
        fields = {
            "generator.rows": self.rows,
            "generator.seed": self.seed,
            "generator.model": self.model,
            "generator.budget.max_usd": self.budget_usd,
        }
        return {name: value for name, value in fields.items() if value is not None}


def spec_path(spec: str) -> Path:
    """The file of a spec named in the form."""
    return SPECS / f"{SpecName(spec).value}.yaml"


def run_name(spec: str, when: datetime) -> str:
    """What a run builds and for which day: '<dataset>-<YYYY-MM-DD>', e.g. instruct-demo-2026-11-28."""
    dataset = (yaml.safe_load(spec_path(spec).read_text()) or {}).get("dataset", spec)
    return f"{dataset}-{when:%Y-%m-%d}"
