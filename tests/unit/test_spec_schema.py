"""The spec's JSON Schema: stored, current, named by every shipped spec, and agreeing with the models on them."""

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from schemas.spec_schema import EDITOR_LINE, SCHEMA_PATH, render_schema

ROOT = Path(__file__).resolve().parents[2]
SPECS = sorted((ROOT / "deployments" / "specs").glob("*.yaml"))


def as_json(path: Path):
    """A spec as a tool built on PyYAML reads it: an unquoted 2025-01-01 would be a date, which the schema refuses
    (the shipped specs quote their dates, so other tools and YAML 1.2 editors read the same strings)."""
    return yaml.safe_load(path.read_text())


def validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_the_stored_schema_matches_the_models():
    assert SCHEMA_PATH.read_text() == render_schema(), (
        "run `synthfactory schema --out schemas/spec.schema.json` and commit it"
    )


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.name)
def test_every_spec_names_the_schema_and_passes_it(path):
    first = path.read_text().splitlines()[0]
    assert first == EDITOR_LINE
    assert (path.parent / first.split("$schema=")[1]).resolve() == SCHEMA_PATH
    errors = [f"{'.'.join(map(str, e.path))}: {e.message}" for e in validator().iter_errors(as_json(path))]
    assert errors == []


def test_the_schema_catches_what_the_model_refuses():
    spec = as_json(ROOT / "deployments" / "specs" / "demo.yaml")
    spec["blend"]["max_synthetic_shar"] = spec["blend"].pop("max_synthetic_share")
    spec["generator"]["rows"] = "many"
    messages = sorted(e.message for e in validator().iter_errors(spec))
    assert any("max_synthetic_shar" in m for m in messages) and any("'many'" in m for m in messages), messages
