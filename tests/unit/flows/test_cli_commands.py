"""The everyday commands: validate (fast, and light on imports), --set, --version and schema."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import app
from schemas.spec_schema import SCHEMA_PATH
from tests.helpers.spec_factory import write_spec

ROOT = Path(__file__).resolve().parents[3]
HEAVY = ("prefect", "torch", "great_expectations", "sentence_transformers")
runner = CliRunner()

# Runs `synthfactory validate` in a fresh interpreter and reports its exit code and the heavy modules it loaded.
PROBE = f"""
import json, sys
from typer.testing import CliRunner
from flows.cli import app
result = CliRunner().invoke(app, ["validate", sys.argv[1]])
heavy = sorted(m for m in {HEAVY!r} if m in sys.modules)
print(json.dumps({{"code": result.exit_code, "heavy": heavy, "stderr": result.stderr}}))
"""


def probe_validate(spec: Path) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, str(spec)], cwd=ROOT, capture_output=True, text=True, timeout=120, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    "broken, named",
    [
        ({"blend.max_synthetic_shar": 0.5}, "blend.max_synthetic_shar: unknown key"),
        ({"eval_sets.0.text_field": "txet"}, "eval_sets.0.text_field: no column 'txet'"),
        (
            {
                "gates": {
                    "expectations": [{"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "outptu"}}]
                }
            },
            "gates.expectations.0: no column 'outptu'",
        ),
    ],
)
def test_validate_fails_a_typo_without_loading_prefect_gx_or_torch(tmp_path, broken, named):
    report = probe_validate(write_spec(tmp_path, **broken))
    assert report["code"] == 2 and named in report["stderr"], report
    assert report["heavy"] == []


def test_validate_passes_a_good_spec_with_one_line(tmp_path):
    result = runner.invoke(app, ["validate", str(write_spec(tmp_path))])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().splitlines() == [
        f"ok: {tmp_path / 'spec.yaml'}: dataset tiny, 6 rows from the template generator, 1 eval set(s), publishes "
        "to data"
    ]


def test_set_overrides_fields_and_names_a_bad_key(tmp_path):
    spec = str(write_spec(tmp_path))
    result = runner.invoke(app, ["validate", spec, "--set", "generator.rows=40", "--set", "publish.data_root=out"])
    assert result.exit_code == 0, result.output
    assert "40 rows" in result.stdout and "publishes to out" in result.stdout
    for bad, named in [
        ("generator.rowz=5", "error: --set generator.rowz: unknown key (did you mean rows?)"),
        ("generator.rows", "--set generator.rows"),
        ("blend.include_real=false", f"error: {spec} (with --set blend.include_real): blend: an all-synthetic"),
    ]:
        result = runner.invoke(app, ["validate", spec, "--set", bad])
        assert result.exit_code == 2 and named in result.stderr, result.output
    result = runner.invoke(app, ["build", spec, "--set", "generator.rows=-1", "--data-root", str(tmp_path / "out")])
    assert result.exit_code == 2 and "--set generator.rows: Input should be greater than or equal to 1" in result.stderr
    assert not (tmp_path / "out").exists()


def test_version_prints_the_package_version():
    from importlib.metadata import version

    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.stdout.strip() == f"synthfactory {version('synthfactory')}"


def test_schema_prints_and_writes_the_stored_schema(tmp_path):
    result = runner.invoke(app, ["schema"])
    assert result.exit_code == 0 and json.loads(result.stdout) == json.loads(SCHEMA_PATH.read_text())
    result = runner.invoke(app, ["schema", "--out", str(tmp_path / "spec.schema.json")])
    assert result.exit_code == 0 and (tmp_path / "spec.schema.json").read_text() == SCHEMA_PATH.read_text()
    result = runner.invoke(app, ["schema", "--out", str(tmp_path / "missing" / "spec.schema.json")])
    assert result.exit_code == 2 and result.stderr.strip().splitlines() == [
        f"error: --out {tmp_path / 'missing' / 'spec.schema.json'}: No such file or directory"
    ], result.output
    assert not (tmp_path / "missing").exists()


def test_validate_names_the_data_root_a_build_would_publish_to(tmp_path, monkeypatch):
    spec = str(write_spec(tmp_path))
    monkeypatch.setenv("SYNTHFACTORY_DATA_ROOT", str(tmp_path / "volume"))
    result = runner.invoke(app, ["validate", spec])
    said = result.stdout.strip()
    assert result.exit_code == 0 and said.endswith(f"publishes to {tmp_path / 'volume'}"), result.output
    result = runner.invoke(app, ["validate", spec, "--set", "publish.data_root=out"])
    assert result.exit_code == 0 and result.stdout.strip().endswith("publishes to out"), result.output


def test_a_full_disk_is_one_line_naming_the_file_and_exit_1(tmp_path, monkeypatch):
    import synthfactory.api

    def full(plan):
        raise OSError(28, "No space left on device", str(tmp_path / "out" / "tiny" / ".work" / "x.parquet"))

    monkeypatch.setattr(synthfactory.api, "run_build", full)
    result = runner.invoke(app, ["build", str(write_spec(tmp_path)), "--data-root", str(tmp_path / "out")])
    assert result.exit_code == 1, result.output
    said = " ".join(result.output.split())
    assert "no space left on the disk, nothing was published:" in said and "x.parquet" in said, result.output


def test_a_full_disk_under_a_sqlite_cache_is_one_line_and_exit_1(tmp_path, monkeypatch):
    import sqlite3

    import synthfactory.api

    def full(plan):  # SQLite's own error for a full disk (SQLITE_FULL), here from a page limit
        db = sqlite3.connect(tmp_path / "embeddings.sqlite")
        db.execute("PRAGMA max_page_count=2")
        db.execute("CREATE TABLE vectors (vector BLOB)")
        db.execute("INSERT INTO vectors VALUES (?)", (b"x" * 100_000,))

    monkeypatch.setattr(synthfactory.api, "run_build", full)
    result = runner.invoke(app, ["build", str(write_spec(tmp_path)), "--data-root", str(tmp_path / "out")])
    assert result.exit_code == 1, result.output
    said = " ".join(result.output.split())
    assert "no space left on the disk, nothing was published: a SQLite cache" in said, result.output
