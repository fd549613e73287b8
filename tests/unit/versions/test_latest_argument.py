"""A version argument may be a dataset's LATEST: read as the version it names. A dataset's folder is refused,
naming LATEST as what to write instead."""

import fsspec
import pytest
from typer.testing import CliRunner

from flows.cli import app
from tasks.versions.read import resolve_latest

VERSION = "20260101T000000Z-a"


def dataset_at(fs, root: str, latest: str = VERSION + "\n") -> None:
    fs.makedirs(f"{root}/ds/{VERSION}", exist_ok=True)
    fs.pipe_file(f"{root}/ds/{VERSION}/manifest.json", b"{}")
    fs.pipe_file(f"{root}/ds/LATEST", latest.encode())


@pytest.mark.parametrize("url", [False, True])
def test_latest_reads_as_the_version_it_names(tmp_path, url):
    root = "memory://latest-test" if url else str(tmp_path)
    dataset_at(fsspec.core.url_to_fs(root)[0], fsspec.core.url_to_fs(root)[1])
    assert resolve_latest(f"{root}/ds/LATEST") == f"{root}/ds/{VERSION}"
    assert resolve_latest(f"{root}/ds/{VERSION}") == f"{root}/ds/{VERSION}"  # a version is itself
    with pytest.raises(FileNotFoundError, match="a dataset's folder, not a version: .*ds/LATEST"):
        resolve_latest(f"{root}/ds/")
    assert resolve_latest(f"{root}/elsewhere") == f"{root}/elsewhere"  # left for the reader to refuse


def test_a_latest_that_names_no_version_yet_says_so(tmp_path):
    dataset_at(fsspec.filesystem("file"), str(tmp_path), latest="")
    with pytest.raises(FileNotFoundError, match="names no version yet"):
        resolve_latest(str(tmp_path / "ds" / "LATEST"))


def test_the_commands_read_latest_and_refuse_a_dataset_folder(tmp_path):
    dataset_at(fsspec.filesystem("file"), str(tmp_path))
    shown = CliRunner().invoke(app, ["show", str(tmp_path / "ds" / "LATEST")])
    # the version LATEST names is read (this one's manifest lists no files: refused, naming it)
    said = " ".join(shown.output.split())
    assert shown.exit_code == 2 and f"{VERSION}/manifest.json: no 'outputs'" in said, said
    for command in (
        ["show"],
        ["quarantine"],
        ["diff", str(tmp_path / "ds" / "LATEST")],
        ["push", "--to", "memory://x"],
    ):
        refused = CliRunner().invoke(app, [*command, str(tmp_path / "ds")])
        said = refused.stderr.strip()
        assert refused.exit_code == 2 and said.startswith("error: ") and len(said.splitlines()) == 1, said
        assert "a dataset's folder, not a version" in said, said
