"""The repository is consistent: stored schemas match the code, every spec and entrypoint loads,
and the commands the README names exist."""

import json
import re
from pathlib import Path

import pytest
import yaml

from schemas.records import INSTRUCTION_TOOL_SCHEMA_PATH, InstructionRecord
from schemas.spec import load_spec
from schemas.spec_reference import REFERENCE_PATH, render_reference
from schemas.suites import SUITE_BUILDERS, load_suite
from tasks.spec_checks import check_spec_inputs

ROOT = Path(__file__).resolve().parents[2]
SPECS = sorted((ROOT / "deployments" / "specs").glob("*.yaml"))


@pytest.mark.parametrize("name", sorted(SUITE_BUILDERS))
def test_stored_suites_match_the_code(name):
    assert load_suite(name) == SUITE_BUILDERS[name](), "run `make suites` and commit schemas/suites/"


def test_stored_tool_schema_matches_the_record_model():
    assert json.loads(INSTRUCTION_TOOL_SCHEMA_PATH.read_text()) == InstructionRecord.model_json_schema()


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.name)
def test_every_spec_in_the_repo_loads_and_its_inputs_check(path, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")
    check_spec_inputs(load_spec(path))


def test_the_readme_commands_exist():
    readme = (ROOT / "README.md").read_text()
    makefile = (ROOT / "Makefile").read_text()
    targets = set(re.findall(r"^([a-z-]+):", makefile, re.M))
    for target in re.findall(r"`make ([a-z-]+)`", readme):
        assert target in targets, f"README names `make {target}`, which the Makefile lacks"
    import typer

    from flows.cli import app

    commands = {c.name or c.callback.__name__ for c in app.registered_commands}
    options = {name for param in typer.main.get_command(app).params for name in param.opts}
    for command in re.findall(r"`synthfactory ([a-z-]+)", readme):
        known = options if command.startswith("-") else commands
        assert command in known, f"README names `synthfactory {command}`, which the CLI lacks"
    assert "make demo" in readme and "make test" in readme


def test_the_spec_reference_matches_the_models():
    assert REFERENCE_PATH.read_text() == render_reference(), (
        "run `python -m schemas.spec_reference` and commit docs/spec.md"
    )


def test_every_deployment_entrypoint_loads():
    from prefect.flows import load_flow_from_entrypoint

    deployments = yaml.safe_load((ROOT / "deployments" / "prefect.yaml").read_text())["deployments"]
    for deployment in deployments:
        path, name = deployment["entrypoint"].split(":")
        flow = load_flow_from_entrypoint(f"{ROOT / path}:{name}")
        assert set(deployment.get("parameters", {})) <= set(flow.parameters.properties), deployment["name"]
