"""Each bad input of issue 17 gets exit 2 and one plain line naming the field, file or row, and writes nothing."""

import json
import os
import shutil
import subprocess

import pandas as pd
import pytest
from typer.testing import CliRunner

from flows.cli import app
from schemas import records as col
from schemas.spec import load_spec
from schemas.suites import SUITES_DIR, load_suite
from tasks.spec_inputs import load_real_rows
from tasks.verify.check_runner import run_row_checks
from tasks.verify.row_checks import build_row_checks
from tasks.versions.store import VersionStore
from tests.helpers.bad_input import refused_build, tree
from tests.helpers.spec_factory import write_spec


def seed_rows(folder, rows):
    (folder / "seeds.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))


def test_a_seed_row_without_the_optional_input_passes_the_memorisation_check(tmp_path):
    spec_path = write_spec(tmp_path)
    rows = [
        {"id": f"s{i}", "instruction": f"Real task number {i} here", "input": "x", "output": "ok"} for i in range(4)
    ]
    del rows[2]["input"]
    seed_rows(tmp_path, rows)
    spec = load_spec(spec_path)
    real = load_real_rows(spec)
    assert real[col.INPUT].tolist() == ["x", "x", "", "x"]
    candidate = pd.DataFrame([{**real.iloc[0].to_dict(), col.ID: "c1", col.INSTRUCTION: "Something else to do here"}])
    kept, failed, counts = run_row_checks(candidate, build_row_checks(spec, real))  # was a TypeError
    assert len(kept) == 1 and failed.empty and counts


def test_a_seed_row_without_an_instruction_is_named(tmp_path):
    spec = write_spec(tmp_path)
    seed_rows(tmp_path, [{"id": "s0", "instruction": "Real task here", "output": "ok"}, {"id": "s1", "output": "ok"}])
    line = refused_build(spec, tmp_path / "out")
    assert line.endswith("seeds.jsonl row 2 has no instruction") and "seed_data.path" in line


@pytest.mark.parametrize("second", [{"instruction": "Another task", "output": "ok"}, {"id": None, "output": "ok"}])
def test_a_seed_row_without_an_id_is_named(tmp_path, second):
    spec = write_spec(tmp_path)
    seed_rows(tmp_path, [{"id": "s0", "instruction": "Real task here", "output": "ok"}, {"instruction": "x", **second}])
    line = refused_build(spec, tmp_path / "out")
    assert line.endswith("seeds.jsonl row 2 has no id") and "seed_data.path" in line


def test_a_secret_in_the_spec_is_named_before_a_flow_run_keeps_it(tmp_path):
    key = "sk-ant-api03-" + "Q" * 80
    spec = write_spec(tmp_path)
    result = CliRunner().invoke(
        app, ["build", str(spec), "--data-root", str(tmp_path / "out"), "--set", f"purpose={key}"]
    )
    assert result.exit_code == 2 and key not in result.output
    assert (
        result.stderr.strip()
        == "error: purpose: holds a secret (anthropic_api_key); secrets come from the environment only"
    )
    spec.write_text(spec.read_text().replace("purpose: tests", f"purpose: tests {key}"))
    assert refused_build(spec, tmp_path / "out").endswith(
        "purpose: holds a secret (anthropic_api_key); secrets come from the environment only"
    )


def test_a_secret_in_a_seed_row_is_named_before_any_row_is_generated(tmp_path):
    # the generator puts seed rows in its prompts: a key there would reach the LLM's provider before publish refused it
    key = "sk-ant-api03-" + "Q" * 80
    spec = write_spec(tmp_path)
    seed_rows(
        tmp_path,
        [
            {"id": "s0", "instruction": "Real task here", "output": "ok"},
            {"id": "s1", "instruction": f"Use {key}", "output": "ok"},
        ],
    )
    line = refused_build(spec, tmp_path / "out")
    assert key not in line
    assert line.endswith(
        "seeds.jsonl row 's1' holds a secret (anthropic_api_key) in 'instruction'; remove it from the seed file"
    )


@pytest.mark.parametrize(("value", "kind"), [({"a": 1}, "an object"), (["a", "b"], "a list")])
def test_a_seed_text_that_is_an_object_or_a_list_is_named(tmp_path, value, kind):
    spec = write_spec(tmp_path)
    seed_rows(tmp_path, [{"id": "s0", "instruction": "Real task", "output": "ok"}, {"id": "s1", "instruction": value}])
    line = refused_build(spec, tmp_path / "out")
    assert line.endswith(f"seeds.jsonl row 2: instruction is {kind}, not a text") and "seed_data.path" in line


@pytest.mark.parametrize("latest", [b"\xff\xfe garbage", b"20990101T000000Z-gone\n"])
def test_a_latest_naming_no_version_is_refused_before_the_build_and_promote_repairs_it(tmp_path, latest):
    spec = write_spec(tmp_path)
    version = tmp_path / "out" / "tiny" / "20260101T000000Z-abc"
    version.mkdir(parents=True)
    (version / "manifest.json").write_text('{"outputs": {}}')
    (version.parent / "LATEST").write_bytes(latest)
    line = refused_build(spec, tmp_path / "out")
    assert line.startswith(f"error: --data-root {tmp_path / 'out'}: {version.parent / 'LATEST'}") and "promote" in line
    moved = CliRunner().invoke(app, ["promote", str(version), "--reason", "LATEST was damaged"])
    assert moved.exit_code == 0, moved.output
    assert (version.parent / "LATEST").read_text() == version.name + "\n"


@pytest.mark.parametrize(("second_id", "problem"), [("e0", "repeats id 'e0'"), (None, "row 2: no text in column 'id'")])
def test_an_eval_item_without_its_own_id_is_named(tmp_path, second_id, problem):
    spec = write_spec(tmp_path)
    items = [{"id": "e0", "text": "Maria has 3 apples."}, {"id": second_id, "text": "Chen has 4 pears."}]
    (tmp_path / "eval.jsonl").write_text("".join(json.dumps(item) + "\n" for item in items))
    line = refused_build(spec, tmp_path / "out")
    assert "eval_sets.0.id_field: " in line and line.endswith(problem)


def test_a_data_root_that_is_a_file(tmp_path):
    spec = write_spec(tmp_path)
    (tmp_path / "out").write_text("not a folder\n")
    line = refused_build(spec, tmp_path / "out")
    assert line == f"error: --data-root {tmp_path / 'out'}: {tmp_path / 'out'} is a file, not a folder"


@pytest.fixture
def read_only_folder(tmp_path):
    """A folder this process cannot write to, also as root (which ignores modes): chattr +i makes it immutable."""
    folder = tmp_path / "readonly"
    folder.mkdir()
    folder.chmod(0o555)
    immutable = os.geteuid() == 0
    if immutable and subprocess.run(["chattr", "+i", str(folder)], check=False).returncode != 0:
        pytest.skip("running as root on a file system without chattr +i: no folder is unwritable here")
    yield folder
    if immutable:
        subprocess.run(["chattr", "-i", str(folder)], check=True)
    folder.chmod(0o755)


def test_a_data_root_that_is_not_writable(tmp_path, read_only_folder):
    spec = write_spec(tmp_path)
    line = refused_build(spec, read_only_folder)
    assert (
        line
        == f"error: --data-root {read_only_folder}: {read_only_folder} is not writable (to create "
        + str(read_only_folder / "tiny")
        + ")"
    )
    line = refused_build(spec, read_only_folder / "below")
    assert line.endswith(f"{read_only_folder} is not writable (to create {read_only_folder / 'below' / 'tiny'})")


def test_a_spec_that_is_not_utf8(tmp_path):
    spec = write_spec(tmp_path)
    spec.write_bytes(spec.read_bytes().replace(b"purpose: tests", b"purpose: caf\xe9"))
    line_number = spec.read_bytes().split(b"\n").index(b"purpose: caf\xe9") + 1
    line = refused_build(spec, tmp_path / "out")
    assert line.startswith(f"error: {spec}: not UTF-8 text (byte ") and line.endswith(f", line {line_number})")


def test_a_spec_path_that_is_a_folder(tmp_path):
    line = refused_build(tmp_path, tmp_path / "out")
    assert line == f"error: {tmp_path}: is a folder, not a spec file"


def test_a_path_with_rich_markup_is_printed_as_it_is(tmp_path):
    folder = tmp_path / "a[" / "red]b[bold]"  # the path reads .../a[/red]b[bold]/...
    folder.mkdir(parents=True)
    spec = write_spec(folder, **{"seed_data.path": "missing.jsonl"})
    line = refused_build(spec, folder / "out")
    assert line == f"error: seed_data.path: {folder / 'missing.jsonl'}: file not found"


def test_a_misspelled_key_is_named_as_unknown(tmp_path):
    spec = write_spec(tmp_path)
    spec.write_text(spec.read_text().replace("dataset: tiny", "datset: tiny"))
    line = refused_build(spec, tmp_path / "out")
    assert line == f"error: {spec}: datset: unknown key (did you mean dataset?)"


def test_a_misspelled_nested_key_is_named_as_unknown(tmp_path):
    spec = write_spec(tmp_path)
    spec.write_text(spec.read_text().replace("rows: 6", "rws: 6"))
    assert refused_build(spec, tmp_path / "out").endswith("generator.rws: unknown key (did you mean rows?)")


def test_a_suite_outside_the_suites_folder_is_refused(tmp_path):
    secret = tmp_path / "x.json"
    secret.write_text(json.dumps({"expectations": []}))
    relative = os.path.relpath(secret.with_suffix(""), SUITES_DIR)
    line = refused_build(write_spec(tmp_path, gates={"suite": relative}), tmp_path / "out")
    assert line.startswith(f"error: {tmp_path / 'spec.yaml'}: gates.suite: String should match pattern")
    with pytest.raises(KeyError, match="no suite"):
        load_suite(relative)  # the loader itself stays inside the folder too
    assert load_suite("instruction_record")["name"] == "instruction_record"


def test_duplicate_keys_are_refused_naming_the_key_and_line(tmp_path):
    spec = write_spec(tmp_path)
    spec.write_text(spec.read_text() + "dataset: other\n")
    line = refused_build(spec, tmp_path / "out")
    assert line == f"error: {spec}: line {len(spec.read_text().splitlines())}: key 'dataset' appears twice"


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("2025-02-30", "'2025-02-30' is not a valid timestamp (day is out of range for month)"),
        ("!!int six", "'six' is not a valid int"),
        ("!!map [6]", "not valid YAML: cannot unpack"),
    ],
)
def test_a_value_yaml_cannot_construct_is_named_with_its_line(tmp_path, value, problem):
    spec = write_spec(tmp_path)
    spec.write_text(spec.read_text() + f"created: {value}\n")
    line = refused_build(spec, tmp_path / "out")
    assert line.startswith(f"error: {spec}: ") and problem in line
    if not value.startswith("!!map"):
        assert f": line {len(spec.read_text().splitlines())}: " in line


def test_a_boolean_is_not_a_row_count(tmp_path):
    spec = write_spec(tmp_path, **{"generator.rows": True})
    line = refused_build(spec, tmp_path / "out")
    assert line == f"error: {spec}: generator.rows: Input should be a valid integer"


def test_an_all_synthetic_build_publishes(tmp_path, prefect_api):
    blend = {"max_synthetic_share": 1.0, "include_real": False, "allow_all_synthetic": True}
    spec = write_spec(tmp_path, blend=blend)
    result = CliRunner().invoke(app, ["build", str(spec), "--data-root", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    store = VersionStore(str(tmp_path / "out"), "tiny")
    (version,) = store.versions()
    published = store.manifest(version)["counts"]["published"]
    assert published.get("real", 0) == 0 and published["total"] == published["synthetic"] == 3


def test_the_snapshot_sees_a_change(tmp_path):
    """The 'nothing written' checks above would pass vacuously if tree() missed new files."""
    before = tree(tmp_path)
    (tmp_path / "a" / ".work").mkdir(parents=True)
    assert tree(tmp_path) != before
    shutil.rmtree(tmp_path / "a")
    assert tree(tmp_path) == before
