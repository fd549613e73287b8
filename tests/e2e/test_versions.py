"""Versions over time: two builds that diff explains, a diversity drop that fails a build, a remote data root."""

import pytest
from typer.testing import CliRunner

from flows.build import build_dataset
from flows.cli import app
from tasks.versions.store import VersionStore
from tests.helpers.spec_factory import write_spec

pytestmark = pytest.mark.usefixtures("prefect_api")

runner = CliRunner()
WIDE = {
    "n": {"type": "integer", "min": 1, "max": 40},
    "thing": {"type": "category", "values": {"cats": 1, "boats": 1, "clouds": 1, "maps": 1}},
}
TEMPLATE = [
    {
        "id": "count",
        "category": "counting",
        "instruction": "Count {{ thing }} up to {{ n }} and say each number aloud.",
        "output": "{{ n }}",
    }
]


def test_two_builds_in_a_row_and_the_diff_that_explains_them(tmp_path):
    spec = write_spec(tmp_path, **{"generator.rows": 12, "generator.samplers": WIDE, "generator.templates": TEMPLATE})
    first = build_dataset(str(spec), str(tmp_path / "out"))
    spec = write_spec(
        tmp_path,
        **{"generator.rows": 12, "generator.seed": 2, "generator.samplers": WIDE, "generator.templates": TEMPLATE},
    )
    second = build_dataset(str(spec), str(tmp_path / "out"))
    assert VersionStore(str(tmp_path / "out"), "tiny").versions() == sorted([first["version"], second["version"]])

    result = runner.invoke(app, ["diff", first["path"], second["path"]], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "generator.seed" in result.output and "added" in result.output
    shown = runner.invoke(app, ["show", second["path"]], terminal_width=200)
    assert shown.exit_code == 0 and "Eval isolation" in shown.output and "Use limits" in shown.output


@pytest.fixture
def events(monkeypatch):
    """The Prefect events a build emits, as (event, resource id, payload)."""
    sent = []
    monkeypatch.setattr(
        "flows.events.emit_event",
        lambda event, resource, payload: sent.append((event, resource["prefect.resource.id"], payload)),
    )
    return sent


def test_a_diversity_drop_past_tolerance_fails_the_build_when_the_spec_says_so(tmp_path, events):
    strict = {"diversity": {"tolerance": 0.1, "on_drop": "fail", "clusters": 2}}
    spec = write_spec(
        tmp_path, publish=strict, **{"generator.rows": 12, "generator.samplers": WIDE, "generator.templates": TEMPLATE}
    )
    assert runner.invoke(app, ["build", str(spec), "--data-root", str(tmp_path / "out")]).exit_code == 0
    narrow = {"n": {"type": "integer", "min": 1, "max": 2}, "thing": {"type": "category", "values": {"cats": 1}}}
    spec = write_spec(
        tmp_path,
        publish=strict,
        **{"generator.rows": 12, "generator.samplers": narrow, "generator.templates": TEMPLATE},
    )
    result = runner.invoke(app, ["build", str(spec), "--data-root", str(tmp_path / "out")])
    assert result.exit_code == 1 and "diversity" in result.output
    assert len(VersionStore(str(tmp_path / "out"), "tiny").versions()) == 1
    assert [e[0] for e in events] == ["synthfactory.version.published", "synthfactory.build.failed"]
    assert "diversity" in events[1][2]["error"] and events[0][2]["counts"]["published"]["total"] > 0


def test_a_build_publishes_to_an_fsspec_url(tmp_path):
    result = build_dataset(str(write_spec(tmp_path)), "memory://team-bucket/datasets")
    store = VersionStore("memory://team-bucket/datasets", "tiny")
    assert store.versions() == [result["version"]]
    assert store.manifest(result["version"])["counts"]["published"]["total"] == result["counts"]["published"]["total"]


def test_new_rows_that_repeat_an_earlier_version_are_dropped_but_a_rebuild_is_not(tmp_path, events):
    from tasks.versions.read import read_quarantine, read_version

    narrow = {
        "n": {"type": "integer", "min": 1, "max": 3},
        "thing": {"type": "category", "values": {"cats": 1, "boats": 1}},
    }
    settings = {"generator.rows": 12, "generator.samplers": narrow, "generator.templates": TEMPLATE}
    first = build_dataset(str(write_spec(tmp_path, **settings)), str(tmp_path / "out"))
    first_ids = set(read_version(first["path"]).data["id"])

    rebuilt = build_dataset(str(write_spec(tmp_path, **settings)), str(tmp_path / "out"))
    assert set(read_version(rebuilt["path"]).data["id"]) == first_ids  # the same rows, not duplicates of themselves
    # Nothing changed, so nothing new is published: the rebuild names the version that holds these rows.
    assert rebuilt["unchanged"] and rebuilt["version"] == first["version"]
    assert VersionStore(str(tmp_path / "out"), "tiny").versions() == [first["version"]]
    assert [e[0] for e in events][:2] == ["synthfactory.version.published", "synthfactory.version.unchanged"]
    assert events[1][1] == "synthfactory.dataset.tiny" and events[1][2]["version"] == first["version"]
    # How it runs is not what it holds: other shards, retention or overlap settings publish nothing new either.
    run_settings = {"orchestration.shard_rows": 5, "publish.keep_versions": 3, "publish.on_overlap": "skip"}
    elsewhere = build_dataset(str(write_spec(tmp_path, **settings)), str(tmp_path / "out"), run_settings)
    assert elsewhere["unchanged"] and elsewhere["version"] == first["version"]

    later = build_dataset(str(write_spec(tmp_path, **settings, **{"generator.seed": 2})), str(tmp_path / "out"))
    repeats = read_quarantine(later["path"])
    repeats = repeats[repeats["detail"] == "repeats a row published before"]
    assert len(repeats) > 0 and repeats["duplicate_of"].isin(first_ids).all()
    assert set(read_version(later["path"]).data["id"]).isdisjoint(set(repeats["id"]))
