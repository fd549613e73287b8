"""A published version damaged after the fact (a truncated manifest, a file edited by hand) is named, exit 2, by
every command that reads it, and is not pushed."""

import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from flows.cli import app
from tasks.versions.store import QUARANTINE_FILE, SPLIT_FILES

TRAIN = SPLIT_FILES["train"]


@pytest.fixture
def version(tmp_path) -> Path:
    folder = tmp_path / "root" / "ds" / "20260101T000000Z-abc"
    (folder / "data").mkdir(parents=True)
    (folder / "quarantine").mkdir()
    pd.DataFrame({"id": ["a", "b"], "instruction": ["x", "y"]}).to_parquet(folder / TRAIN)
    pd.DataFrame({"id": ["c"], "stage": ["dedup"], "reason": ["near_duplicate"]}).to_parquet(folder / QUARANTINE_FILE)
    outputs = {name: hashlib.sha256((folder / name).read_bytes()).hexdigest() for name in (TRAIN, QUARANTINE_FILE)}
    (folder / "manifest.json").write_text(json.dumps({"version": folder.name, "outputs": outputs}))
    return folder


def run(*args) -> tuple[int, str]:
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert "Traceback" not in result.output, result.output
    return result.exit_code, " ".join(result.stderr.split())


def test_a_truncated_manifest_is_named_by_every_command(version, tmp_path):
    (version / "manifest.json").write_text('{"version": ')
    for args in (
        ["show", version],
        ["quarantine", version],
        ["diff", version, version],
        ["promote", version, "--reason", "rollback"],
        ["push", version, "--to", f"file://{tmp_path / 'mirror'}"],
    ):
        code, stderr = run(*args)
        assert code == 2 and f"{version / 'manifest.json'}: not valid JSON" in stderr, (args, stderr)
    assert not (tmp_path / "mirror").exists()


def test_a_data_file_changed_after_publishing_is_named_and_not_pushed(version, tmp_path):
    pd.DataFrame({"id": ["a"], "instruction": ["edited by hand"]}).to_parquet(version / TRAIN)
    for args in (
        ["show", version],
        ["quarantine", version],
        ["push", version, "--to", f"file://{tmp_path / 'mirror'}"],
    ):
        code, stderr = run(*args)
        assert code == 2 and f"{version / TRAIN}: its SHA-256 is not the manifest's" in stderr, (args, stderr)
    assert not (tmp_path / "mirror").exists()


def test_a_missing_quarantine_file_is_named(version):
    (version / QUARANTINE_FILE).unlink()
    code, stderr = run("quarantine", version)
    assert code == 2 and f"{version / QUARANTINE_FILE}: missing; its manifest lists it" in stderr


def test_a_manifest_without_outputs_is_named(version):
    (version / "manifest.json").write_text("{}")
    code, stderr = run("show", version)
    assert code == 2 and "no 'outputs'" in stderr
