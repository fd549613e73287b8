"""The nightly deployment's run form: a dropdown of the specs in deployments/specs and typed overrides."""

from datetime import UTC, datetime

import pytest
from prefect.utilities.callables import parameter_schema
from pydantic import ValidationError

from flows.nightly import nightly_build
from flows.run_form import SPECS, RunOverrides, SpecName, run_name, spec_path
from schemas.spec import load_spec


def test_the_spec_choices_are_the_files_in_deployments_specs():
    assert [s.value for s in SpecName] == sorted(p.stem for p in SPECS.glob("*.yaml"))
    assert spec_path("demo") == SPECS / "demo.yaml"
    with pytest.raises(ValueError, match="nowhere"):
        spec_path("nowhere")


def test_overrides_set_their_spec_fields_and_a_wrong_key_is_named():
    overrides = RunOverrides(rows=5, seed=3, budget_usd=2.5, data_root="/data/x")
    assert overrides.spec_fields() == {"generator.rows": 5, "generator.seed": 3, "generator.budget.max_usd": 2.5}
    assert overrides.model_dump() == {"rows": 5, "seed": 3, "budget_usd": 2.5, "data_root": "/data/x"}
    spec = load_spec(spec_path("claude_few_shot"), overrides.spec_fields())
    assert (spec.generator.rows, spec.generator.seed, spec.generator.budget.max_usd) == (5, 3, 2.5)
    with pytest.raises(ValidationError, match="rowz"):
        RunOverrides.model_validate({"rowz": 5})
    with pytest.raises(ValidationError, match="rows"):
        RunOverrides(rows=0)


def test_a_run_is_named_after_its_dataset_and_day():
    assert run_name("demo", datetime(2026, 11, 28, 1, 0, tzinfo=UTC)) == "instruct-demo-2026-11-28"


def test_prefect_renders_a_dropdown_and_described_typed_fields():
    schema = parameter_schema(nightly_build).model_dump()
    assert schema["definitions"]["SpecName"]["enum"] == [s.value for s in SpecName]
    assert schema["properties"]["overrides"]["default"] == {}
    assert all(schema["properties"][name]["description"] for name in ("spec", "overrides"))
    fields = schema["definitions"]["RunOverrides"]["properties"]
    assert {name: field["type"] for name, field in fields.items()} == {
        "rows": "integer",
        "seed": "integer",
        "model": "string",
        "budget_usd": "number",
        "data_root": "string",
    }
    assert all(field["description"] for field in fields.values())
    assert schema["definitions"]["RunOverrides"]["additionalProperties"] is False
