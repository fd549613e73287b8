"""The Python API a notebook calls, and the command line's build on the same path: real flow runs."""

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from flows.cli import app
from schemas.spec import SpecError
from synthfactory import build, load_spec, push
from tests.helpers.bad_input import tree
from tests.helpers.spec_factory import write_spec

pytestmark = pytest.mark.usefixtures("prefect_api")


def test_build_from_a_file_and_from_a_spec_object(tmp_path):
    spec_path = write_spec(tmp_path, **{"blend.max_synthetic_share": 0.9})
    out = tmp_path / "out"
    first = build(spec_path, data_root=out, overrides={"generator.rows": 8})
    assert first.published and not first.unchanged and Path(first.path).is_dir()
    manifest = json.loads((Path(first.path) / "manifest.json").read_text())
    assert manifest["spec"]["generator"]["rows"] == 8
    assert first.counts == manifest["counts"] and first.counts["published"]["total"] > 0

    # A Spec object, changed in the notebook: the build publishes it, and its resolved spec beside the version.
    second = build(load_spec(spec_path, {"generator.rows": 8}), data_root=str(out), overrides={"generator.seed": 2})
    assert second.published and second.version != first.version
    saved = yaml.safe_load((Path(second.path) / "spec.yaml").read_text())
    assert (saved["generator"]["rows"], saved["generator"]["seed"]) == (8, 2)

    pushed = push(second.path, f"file://{tmp_path / 'mirror'}")
    assert (tmp_path / "mirror" / "README.md").read_bytes() == (Path(second.path) / "README.md").read_bytes()
    assert len(pushed.files) == len([p for p in Path(second.path).rglob("*") if p.is_file()])


def test_build_raises_on_a_bad_spec_and_writes_nothing(tmp_path):
    out = tmp_path / "out"
    with pytest.raises(SpecError, match="eval_sets.0.id_field: no column 'ident'"):
        build(write_spec(tmp_path, **{"eval_sets.0.id_field": "ident"}), data_root=out)
    assert tree(out) is None


def test_the_command_line_build_takes_set_overrides(tmp_path):
    spec = write_spec(tmp_path, **{"blend.max_synthetic_share": 0.9})
    result = CliRunner().invoke(
        app, ["build", str(spec), "--data-root", str(tmp_path / "out"), "--set", "generator.rows=5"]
    )
    assert result.exit_code == 0, result.output
    version = next((tmp_path / "out" / "tiny").glob("2*"))
    assert json.loads((version / "manifest.json").read_text())["spec"]["generator"]["rows"] == 5
