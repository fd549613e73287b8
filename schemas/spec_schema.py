"""The spec's JSON Schema (schemas/spec.schema.json), generated from the pydantic models, for editors: every spec in
deployments/specs names it on its first line, so the YAML language server completes and checks keys as you type.

`synthfactory schema --out schemas/spec.schema.json` rewrites it; a test fails when the stored file differs.
"""

from __future__ import annotations

import json
from pathlib import Path

from schemas.spec import Spec

SCHEMA_PATH = Path(__file__).resolve().parent / "spec.schema.json"
# The line a spec starts with so that editors validate it (the path is relative to the spec file).
EDITOR_LINE = "# yaml-language-server: $schema=../../schemas/spec.schema.json"


def spec_json_schema() -> dict:
    """The JSON Schema of a spec file, with the dialect and a title editors show."""
    schema = Spec.model_json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema, "title": "synthfactory spec"}


def render_schema() -> str:
    return json.dumps(spec_json_schema(), indent=2, sort_keys=False) + "\n"
