"""`synthfactory promote`: a person moves LATEST back (a rollback) or, overriding its evaluation, to a refused
version; each move holds the build lock and is kept in the dataset's LATEST history."""

import json
import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest
from typer.testing import CliRunner

import tasks.versions.promote as promote_module
from flows.cli import app
from tasks.versions.lock import build_lock
from tasks.versions.promote import latest_line
from tasks.versions.store import BUILD_MOVE, HISTORY, VersionStore

OLD, NEW, REFUSED = "20250101T000000Z-a", "20250102T000000Z-b", "20250103T000000Z-c"


@pytest.fixture
def dataset(tmp_path) -> Path:
    folder = tmp_path / "root" / "ds"
    for name, evaluation in [
        (OLD, {"promoted": True}),
        (NEW, None),
        (REFUSED, {"promoted": False, "message": "worse"}),
    ]:
        (folder / name).mkdir(parents=True)
        (folder / name / "manifest.json").write_text(json.dumps({"evaluation": evaluation}))
    (folder / "LATEST").write_text(NEW + "\n")
    return folder


def promote(*args: str):
    return CliRunner().invoke(app, ["promote", *args])


def history(dataset: Path) -> list[dict]:
    return [json.loads(line) for line in (dataset / HISTORY).read_text().splitlines()]


def test_a_rollback_moves_latest_and_is_kept_in_the_history(dataset):
    result = promote(str(dataset / OLD), "--reason", "NEW leaked a benchmark item")
    assert result.exit_code == 0, result.output
    assert f"LATEST of ds: {NEW} -> {OLD}" in result.output
    assert VersionStore(str(dataset.parent), "ds").promoted() == OLD
    (entry,) = history(dataset)
    assert (entry["from"], entry["to"], entry["reason"], entry["evaluation_overridden"]) == (
        NEW,
        OLD,
        "NEW leaked a benchmark item",
        False,
    )
    again = promote(str(dataset / OLD), "--reason", "again")
    assert again.exit_code == 0 and "already names" in again.output and len(history(dataset)) == 1


def publish(store: VersionStore, version: str, move_latest: bool = True) -> None:
    staging = store.staging_dir()
    staging.mkdir()
    (staging / "manifest.json").write_text("{}")
    store.commit(staging, version, move_latest=move_latest)


def test_a_build_that_moves_latest_is_kept_in_the_history_too(dataset):
    store = VersionStore(str(dataset.parent), "ds")
    publish(store, "20250104T000000Z-d")
    publish(store, "20250105T000000Z-e", move_latest=False)  # its evaluation refused it: LATEST stays
    assert promote(str(dataset / OLD), "--reason", "rollback").exit_code == 0
    assert [(e["from"], e["to"], e["reason"]) for e in history(dataset)] == [
        (NEW, "20250104T000000Z-d", BUILD_MOVE),
        ("20250104T000000Z-d", OLD, "rollback"),
    ]


def test_a_refused_version_needs_the_override_said(dataset):
    refused = promote(str(dataset / REFUSED), "--reason", "the evaluation set was wrong")
    assert refused.exit_code == 2 and "its downstream evaluation refused it (worse)" in refused.output
    assert VersionStore(str(dataset.parent), "ds").promoted() == NEW and not (dataset / HISTORY).exists()
    moved = promote(str(dataset / REFUSED), "--reason", "the evaluation set was wrong", "--override-evaluation")
    assert moved.exit_code == 0, moved.output
    assert VersionStore(str(dataset.parent), "ds").promoted() == REFUSED
    assert history(dataset)[0]["evaluation_overridden"] is True
    # `show` says so: the card, written when the evaluation refused it, cannot.
    said = latest_line(str(dataset / REFUSED))
    assert said and said.startswith("LATEST names this version since ") and "evaluation overridden" in said
    assert latest_line(str(dataset / NEW)) == f"LATEST names {REFUSED}, not this version"


@pytest.mark.parametrize(
    "version, reason, said",
    [
        ("20990101T000000Z-z", "why", "not a published version (no manifest.json)"),
        ("", "why", "expected <data_root>/<dataset>/<version>"),  # the dataset's folder, not a version's
        (OLD, " ", "--reason: say why LATEST moves"),
    ],
)
def test_bad_input_exits_2_naming_it_and_moves_nothing(dataset, version, reason, said):
    result = promote(str(dataset / version), "--reason", reason)
    assert result.exit_code == 2 and said in result.output, result.output
    assert VersionStore(str(dataset.parent), "ds").promoted() == NEW


def test_latest_does_not_move_while_a_build_holds_the_lock(dataset):
    with build_lock(VersionStore(str(dataset.parent), "ds"), "nightly", 0):
        result = promote(str(dataset / OLD), "--reason", "rollback")
    assert result.exit_code == 1 and "LATEST not moved: another build of ds is running" in result.output
    assert VersionStore(str(dataset.parent), "ds").promoted() == NEW


def test_a_version_retention_deleted_before_the_lock_was_taken_is_not_promoted(dataset, monkeypatch):
    @contextmanager
    def lock_after_a_build(store, run_id, wait_seconds):
        shutil.rmtree(dataset / OLD)  # the build that held the lock ran its retention, then released it
        with build_lock(store, run_id, wait_seconds):
            yield

    monkeypatch.setattr(promote_module, "build_lock", lock_after_a_build)
    result = promote(str(dataset / OLD), "--reason", "rollback")
    assert result.exit_code == 2 and "deleted by a build's retention meanwhile" in result.output, result.output
    assert VersionStore(str(dataset.parent), "ds").promoted() == NEW and not (dataset / HISTORY).exists()


def test_a_torn_history_line_stops_neither_a_move_nor_show(dataset):
    # A write cut short (a full disk, a killed process) leaves a line that is not JSON and has no newline.
    (dataset / HISTORY).write_text(json.dumps({"at": "x", "from": None, "to": NEW, "reason": "r"}) + '\n{"at": "20')
    store = VersionStore(str(dataset.parent), "ds")
    publish(store, "20250104T000000Z-d")  # LATEST moves and the move is kept, the torn line left as it was
    assert store.promoted() == "20250104T000000Z-d"
    assert [e["to"] for e in store.latest_history()] == [NEW, "20250104T000000Z-d"]
    said = latest_line(str(dataset / "20250104T000000Z-d"))
    assert said and said.startswith("LATEST names this version since ")
