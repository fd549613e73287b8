"""The Python API's spec handling: --set values, overrides on a file or a Spec, the build result."""

import os

import pytest

from schemas.spec import SpecError, apply_overrides
from synthfactory import load_spec, validate
from synthfactory.api import BuildResult, parse_overrides, plan_build
from tests.helpers.spec_factory import write_spec


def test_set_values_are_yaml_scalars():
    assert parse_overrides(["generator.rows=50", "blend.include_real=false", "dedup.minhash_threshold=0.7"]) == {
        "generator.rows": 50,
        "blend.include_real": False,
        "dedup.minhash_threshold": 0.7,
    }
    assert parse_overrides(["purpose=a = b", "use_limits=[x, y]"]) == {"purpose": "a = b", "use_limits": ["x", "y"]}


@pytest.mark.parametrize(
    "bad", ["generator.rows", "=5", "purpose=[unclosed", "generator.samplers.day.start=2025-02-30", "purpose=&a x"]
)
def test_a_malformed_set_names_itself(bad):
    with pytest.raises(SpecError, match="--set"):
        parse_overrides([bad])


def test_overrides_apply_to_a_file_and_to_a_spec(tmp_path):
    path = write_spec(tmp_path)
    spec = load_spec(path, {"generator.rows": 9})
    assert spec.generator.rows == 9
    again = load_spec(spec, {"generator.seed": 3})
    assert (again.generator.rows, again.generator.seed) == (9, 3)
    assert again.seed_data.path == spec.seed_data.path  # still the file next to the spec, not one in the cwd


def test_a_bad_override_key_is_named(tmp_path):
    path = write_spec(tmp_path)
    with pytest.raises(SpecError, match=r"generator\.rowz: unknown key"):
        load_spec(path, {"generator.rowz": 5})
    with pytest.raises(SpecError, match=r"override eval_sets\.first\.name: no such field"):
        load_spec(path, {"eval_sets.first.name": "x"})
    with pytest.raises(SpecError, match=r"override eval_sets\.7\.name: no such field"):
        apply_overrides({"eval_sets": [{}]}, {"eval_sets.7.name": "x"})


def test_validate_checks_the_files_a_spec_names(tmp_path):
    path = write_spec(tmp_path, **{"eval_sets.0.text_field": "txet"})
    with pytest.raises(SpecError, match=r"eval_sets\.0\.text_field: no column 'txet'"):
        validate(path)


def test_plan_build_refuses_a_data_root_that_is_a_file(tmp_path):
    (tmp_path / "taken").write_text("x")
    with pytest.raises(SpecError, match=f"data_root {tmp_path / 'taken'}: .* is a file"):
        plan_build(write_spec(tmp_path), data_root=tmp_path / "taken")


def test_build_result_reads_the_flow_report():
    report = {
        "version": "v1",
        "path": "/data/tiny/v1",
        "counts": {"published": {"total": 3}},
        "published": True,
        "evaluation": {"promoted": False, "message": "worse"},
    }
    result = BuildResult.from_report(report)
    assert (result.version, result.path, result.published, result.promoted) == ("v1", "/data/tiny/v1", True, False)
    assert BuildResult.from_report({"skipped": "locked"}).skipped == "locked"
    assert BuildResult.from_report({"published": True}).promoted
    again = BuildResult.from_report({**report, "unchanged": True})  # the flow went through publish, wrote nothing
    assert again.unchanged and not again.published and again.version == "v1"


def test_a_build_from_python_runs_with_the_command_lines_quiet_defaults(tmp_path, monkeypatch):
    """As `synthfactory build` does but Prefect's log level, before the embedded API starts; a value already set
    wins."""
    import flows.build
    import flows.embedded_api
    from synthfactory.api import run_build

    environment = {
        k: v for k, v in os.environ.items() if k not in ("PREFECT_SERVER_ANALYTICS_ENABLED", "PREFECT_LOGGING_LEVEL")
    }
    monkeypatch.setattr(os, "environ", environment | {"GX_ANALYTICS_ENABLED": "true"})
    seen = {}
    monkeypatch.setattr(flows.embedded_api, "start_embedded_api", lambda: seen.update(os.environ))
    monkeypatch.setattr(flows.build, "build_dataset", lambda *args: {"skipped": "a stand-in for the flow"})
    assert run_build(plan_build(write_spec(tmp_path), tmp_path / "out")).skipped == "a stand-in for the flow"
    assert seen["PREFECT_SERVER_ANALYTICS_ENABLED"] == "false"
    assert seen["GX_ANALYTICS_ENABLED"] == "true"
    assert "PREFECT_LOGGING_LEVEL" not in seen  # a script shows Prefect's logs


def test_every_exception_the_api_documents_imports_from_the_package():
    import subprocess
    import sys

    import synthfactory

    for name in synthfactory.__all__:
        assert getattr(synthfactory, name) is not None
    assert synthfactory.GateError.__module__ == "tasks.verify.expectations"
    assert issubclass(synthfactory.DataRootError, synthfactory.SpecError)
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        synthfactory.Nope  # noqa: B018
    # the stage errors load their modules on first use only: importing the package loads no GX
    code = "import sys, synthfactory; print('great_expectations' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout == "False\n"
