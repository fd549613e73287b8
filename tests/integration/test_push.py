"""`synthfactory push`: a version's own files, byte for byte, to a stand-in Hub on 127.0.0.1 or an fsspec URL."""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import fsspec
import pandas as pd
import pytest
from typer.testing import CliRunner

from flows.cli import app
from synthfactory import push
from synthfactory.version_push import PushInputError
from tests.helpers.fake_hub import FakeHub

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "hf_test_token_not_to_be_printed"
CARD = "---\nlicense: other\npretty_name: tiny\n---\n# tiny\n\nA card with ünïcode.\n"


@pytest.fixture
def version(tmp_path) -> Path:
    """A published version's layout: manifest, card, data and quarantine Parquet, the resolved spec."""
    folder = tmp_path / "data" / "tiny" / "20260101T000000Z-abc"
    (folder / "data").mkdir(parents=True)
    (folder / "quarantine").mkdir()
    pd.DataFrame({"id": ["a", "b"], "instruction": ["x", "y"]}).to_parquet(
        folder / "data" / "train-00000-of-00001.parquet"
    )
    pd.DataFrame({"id": ["c"], "reason": ["near_duplicate"]}).to_parquet(
        folder / "quarantine" / "quarantine-00000-of-00001.parquet"
    )
    (folder / "README.md").write_text(CARD)
    (folder / "spec.yaml").write_text("dataset: tiny\n")
    (folder / "manifest.json").write_text(json.dumps({"version": folder.name, "outputs": {}}))
    return folder


def files_of(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def run_cli(*args: str, env: dict) -> subprocess.CompletedProcess:
    """The installed entry point's code in a process of its own, as a user runs it (main() sets the defaults)."""
    return subprocess.run(
        [sys.executable, "-c", "from flows.cli import main; main()", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def hub_env(endpoint: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")}
    # hf_xet would send LFS files to a Xet storage service; without it they go over the LFS batch API.
    return {**env, "HF_ENDPOINT": endpoint, "HF_TOKEN": TOKEN, "HF_HUB_DISABLE_XET": "1", "PYTHONPATH": str(ROOT)}


def test_push_to_the_hub_uploads_the_version_byte_for_byte(version):
    with FakeHub() as hub:
        result = run_cli("push", str(version), "--to", "hf://datasets/acme/tiny", env=hub_env(hub.url))
    assert result.returncode == 0, result.stderr
    assert hub.repos == [{"name": "tiny", "organization": "acme", "type": "dataset"}]
    assert hub.files == files_of(version)
    assert hub.files["README.md"].decode() == CARD  # the card at the repo's root, where the Hub shows it
    assert set(hub.lfs_blobs) and len(hub.commits) == 1  # Parquet went over LFS, all in one commit
    assert hub.authorizations == {f"Bearer {TOKEN}"}
    assert TOKEN not in result.stdout + result.stderr
    assert f"pushed {len(files_of(version))} files" in result.stdout


def test_a_push_over_an_earlier_one_leaves_the_repo_holding_this_version_alone(version):
    """The card reads data/train-*.parquet: a shard of a larger earlier version left beside would be read too."""
    with FakeHub() as hub:
        hub.files = {".gitattributes": b"*.parquet filter=lfs\n", "data/train-00001-of-00002.parquet": b"old rows"}
        result = run_cli("push", str(version), "--to", "hf://datasets/acme/tiny", env=hub_env(hub.url))
    assert result.returncode == 0, result.stderr
    assert hub.files == {**files_of(version), ".gitattributes": b"*.parquet filter=lfs\n"}
    assert len(hub.commits) == 1  # added and removed in one commit: no state holds half of each
    assert "removed 1 files of an earlier push" in result.stdout


def test_push_private_creates_a_private_repo(version):
    with FakeHub() as hub:
        result = run_cli("push", str(version), "--to", "hf://datasets/acme/secret", "--private", env=hub_env(hub.url))
    assert result.returncode == 0, result.stderr
    assert hub.repos == [{"name": "secret", "organization": "acme", "visibility": "private", "type": "dataset"}]


def test_push_refuses_what_is_not_a_version_or_not_a_destination(version, tmp_path):
    runner = CliRunner()
    for args, named in [
        ([str(tmp_path / "nope"), "--to", "hf://datasets/acme/tiny"], str(tmp_path / "nope")),
        ([str(version), "--to", "hf://models/acme/tiny"], "hf://models/acme/tiny"),
        ([str(version), "--to", "hf://datasets/only-a-name"], "hf://datasets/only-a-name"),
        ([str(version), "--to", "nosuchprotocol://bucket/x"], "nosuchprotocol://bucket/x"),
        ([str(version), "--to", f"file://{tmp_path / 'mirror'}", "--private"], "--private: only a Hub repo"),
    ]:
        result = runner.invoke(app, ["push", *args])
        assert result.exit_code == 2, result.output
        assert named in result.stderr and "Traceback" not in result.output
    assert not (tmp_path / "mirror").exists()


def test_push_without_a_token_names_where_one_comes_from(version, tmp_path):
    with FakeHub() as hub:
        env = {**hub_env(hub.url), "HF_HOME": str(tmp_path / "hf")}  # no token stored by `hf auth login` either
        env.pop("HF_TOKEN")
        env.pop("PREFECT_API_URL", None)
        result = run_cli("push", str(version), "--to", "hf://datasets/acme/tiny", env=env)
    assert result.returncode == 2 and "HF_TOKEN" in result.stderr, result.stderr
    assert hub.repos == [] and hub.files == {}


def test_push_to_fsspec_urls_copies_every_file(version, tmp_path):
    out = tmp_path / "mirror"
    result = CliRunner().invoke(app, ["push", str(version), "--to", f"file://{out}"])
    assert result.exit_code == 0, result.output
    assert files_of(out) == files_of(version)

    pushed = push(str(version), "memory://mirrors/tiny")
    memory = fsspec.filesystem("memory")
    assert {name: memory.cat_file(f"/mirrors/tiny/{name}") for name in pushed.files} == files_of(version)


def test_a_folder_an_earlier_push_filled_holds_this_version_alone_after(version, tmp_path):
    out = tmp_path / "mirror"
    (out / "data" / "old").mkdir(parents=True)
    (out / "data" / "old" / "train-00001-of-00002.parquet").write_bytes(b"old rows")
    (out / "manifest.json").write_text("{}")  # an earlier push's
    result = CliRunner().invoke(app, ["push", str(version), "--to", f"file://{out}"])
    assert result.exit_code == 0, result.output
    assert files_of(out) == files_of(version)
    assert not (out / "data" / "old").exists()
    assert "removed 1 files of an earlier push" in result.stdout


def test_a_folder_of_other_files_is_refused_before_anything_is_written(version, tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("not a dataset")
    result = CliRunner().invoke(app, ["push", str(version), "--to", f"file://{out}"])
    assert result.exit_code == 2, result.output
    assert "notes.txt" in result.stderr and "no pushed version" in result.stderr
    assert files_of(out) == {"notes.txt": b"not a dataset"}


def test_push_from_an_fsspec_version_reads_it_there(version):
    memory = fsspec.filesystem("memory")
    for name, data in files_of(version).items():
        memory.pipe_file(f"/published/v1/{name}", data)
    pushed = push("memory://published/v1", "memory://copies/v1")
    assert sorted(pushed.files) == sorted(files_of(version))
    assert memory.cat_file("/copies/v1/README.md").decode() == CARD
    with pytest.raises(PushInputError, match="memory://published/none"):
        push("memory://published/none", "memory://copies/none")


def test_a_hub_that_does_not_answer_is_one_line_and_exit_1(version):
    """A connection refused (as a proxy, a name not resolved or a timeout would) is the push failing, said once."""
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]  # nothing listens on it once the socket is closed
    result = run_cli("push", str(version), "--to", "hf://datasets/acme/tiny", env=hub_env(f"http://127.0.0.1:{port}"))
    assert result.returncode == 1, result.stderr
    assert f"the push failed: hf://datasets/acme/tiny: no answer from http://127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr
