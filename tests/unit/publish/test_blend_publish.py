import hashlib
import json
import sys
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from schemas import records as col
from schemas.spec import Blend, load_spec
from schemas.spec_base import SpecError
from tasks.blend.mix import allocate, blend_rows, synthetic_cap
from tasks.publish import assemble as publish_module
from tasks.publish.assemble import SPLIT_FILES, assign_splits, publish_dataset
from tasks.publish.card import PLOTS
from tasks.publish.content import content_key, content_spec
from tasks.quarantine import Reason, empty_quarantine
from tasks.versions.read import read_version
from tasks.versions.store import VersionDamaged, VersionStore
from tests.helpers.spec_factory import write_spec


def rows(prefix, n, source):
    frame = pd.DataFrame(
        {col.ID: [f"{prefix}{i}" for i in range(n)], col.INSTRUCTION: "task", col.OUTPUT: "ok", col.SOURCE: source}
    )
    for name in col.ROW_SCHEMA.names:
        frame[name] = frame.get(name)
    return frame[col.ROW_SCHEMA.names]


def test_synthetic_cap_keeps_the_share_at_or_below_the_maximum():
    assert synthetic_cap(175, 0.6) == 262
    assert synthetic_cap(10, 0.5) == 10
    assert synthetic_cap(10, 1.0) is None


def test_blend_caps_synthetic_rows_and_quarantines_the_rest():
    blended, over = blend_rows(rows("r", 4, "real"), rows("s", 10, "synthetic"), Blend(max_synthetic_share=0.5, seed=1))
    assert (blended[col.SOURCE] == "synthetic").sum() == 4 and len(blended) == 8
    assert len(over) == 6 and set(over[col.REASON]) == {Reason.BLEND_SHARE_CAP}
    assert set(blended[col.ID]) | set(over[col.ID]) == {f"r{i}" for i in range(4)} | {f"s{i}" for i in range(10)}
    again, _ = blend_rows(rows("r", 4, "real"), rows("s", 10, "synthetic"), Blend(max_synthetic_share=0.5, seed=1))
    assert blended[col.ID].tolist() == again[col.ID].tolist()


@pytest.mark.parametrize("stratify", [False, True])
def test_the_rows_kept_under_the_cap_do_not_depend_on_the_order_they_come_in(stratify):
    """Dedup puts rows built before first: a rebuild after another publish hands blend the same rows in another
    order, and must publish the same ones."""
    synthetic = rows("s", 40, "synthetic").assign(**{col.CATEGORY: ["a", "b", "c", "d"] * 10})
    config = Blend(max_synthetic_share=0.5, seed=3, stratify_by=col.CATEGORY if stratify else None)
    kept = {
        frozenset(blend_rows(rows("r", 10, "real"), synthetic.iloc[order], config)[0][col.ID])
        for order in (range(40), range(39, -1, -1), np.random.default_rng(7).permutation(40))
    }
    assert len(kept) == 1 and len(next(iter(kept))) == 20


def test_one_row_more_under_the_cap_changes_at_most_one_row_kept():
    """A rebuild whose checks pass one more row (or one fewer) publishes nearly what it did, not a new draw."""
    config = Blend(max_synthetic_share=0.5, seed=3)
    before = set(blend_rows(rows("r", 10, "real"), rows("s", 40, "synthetic"), config)[0][col.ID])
    after = set(blend_rows(rows("r", 10, "real"), rows("s", 41, "synthetic"), config)[0][col.ID])
    assert len(before - after) <= 1 and len(after - before) <= 1


def test_allocation_follows_the_mix_and_weights_and_never_exceeds_a_stratum():
    assert allocate({"a": 60, "b": 30, "c": 10}, {}, 50) == {"a": 30, "b": 15, "c": 5}
    assert allocate({"a": 60, "b": 30, "c": 10}, {"c": 10}, 50) == {"a": 27, "b": 13, "c": 10}
    assert sum(allocate({"a": 7, "b": 5, "c": 1}, {}, 10).values()) == 10


def test_stratified_blend_keeps_the_category_mix_under_the_cap():
    synthetic = rows("s", 12, "synthetic")
    synthetic[col.CATEGORY] = ["x"] * 9 + ["y"] * 3
    blended, over = blend_rows(
        rows("r", 4, "real"), synthetic, Blend(max_synthetic_share=0.5, seed=3, stratify_by=col.CATEGORY)
    )
    assert blended[blended[col.SOURCE] == "synthetic"][col.CATEGORY].value_counts().to_dict() == {"x": 3, "y": 1}
    assert len(over) == 8


def test_a_stratum_weighted_zero_is_quarantined_saying_so_and_all_zero_weights_are_refused():
    synthetic = rows("s", 12, "synthetic")
    synthetic[col.CATEGORY] = ["x"] * 9 + ["y"] * 3
    config = Blend(max_synthetic_share=0.5, seed=3, stratify_by=col.CATEGORY, stratum_weights={"y": 0})
    blended, over = blend_rows(rows("r", 4, "real"), synthetic, config)
    assert blended[blended[col.SOURCE] == "synthetic"][col.CATEGORY].tolist() == ["x"] * 4
    details = over.groupby(col.CATEGORY)[col.DETAIL].unique().to_dict()
    assert details["y"].tolist() == ["blend.stratum_weights gives category 'y' weight 0"]
    assert details["x"].tolist() == ["synthetic share capped at 0.5 (4 rows)"]
    all_zero = Blend(max_synthetic_share=0.5, stratify_by=col.CATEGORY, stratum_weights={"x": 0, "y": 0})
    with pytest.raises(SpecError, match=r"blend\.stratum_weights: every category value .*\(x, y\) has weight 0"):
        blend_rows(rows("r", 4, "real"), synthetic, all_zero)
    roomy = Blend(max_synthetic_share=0.9, stratify_by=col.CATEGORY, stratum_weights={"y": 0})  # a cap of 36 rows
    blended, over = blend_rows(rows("r", 4, "real"), synthetic, roomy)
    assert blended[blended[col.SOURCE] == "synthetic"][col.CATEGORY].tolist() == ["x"] * 9
    assert over[col.CATEGORY].tolist() == ["y"] * 3 and over[col.DETAIL].str.contains("weight 0").all()
    with pytest.raises(SpecError, match="has weight 0"):
        blend_rows(rows("r", 4, "real"), synthetic, roomy.model_copy(update={"stratum_weights": {"x": 0, "y": 0}}))


def test_an_all_synthetic_dataset_must_be_allowed():
    with pytest.raises(ValueError, match="allow_all_synthetic"):
        Blend(max_synthetic_share=1, include_real=False)
    blended, over = blend_rows(
        rows("r", 0, "real"),
        rows("s", 5, "synthetic"),
        Blend(max_synthetic_share=0.5, include_real=False, allow_all_synthetic=True),
    )
    assert len(blended) == 5 and over.empty


def manifest():
    counts = {
        "published": {"total": 6, "real": 3, "synthetic": 3},
        "quarantined": {"total": 0, "by_reason": {}},
        "accounting": {
            "real_rows": 3,
            "real_published": 3,
            "synthetic_samples": 3,
            "synthetic_published": 3,
            "synthetic_quarantined": 0,
        },
    }
    inputs = {
        "seed_data": {"path": "seeds.jsonl", "sha256": "ab" * 32},
        "eval_sets": {"e": {"sha256": "cd" * 32}},
        "eval_items_checked": 1,
    }
    return {
        "dataset": "ds",
        "purpose": "p",
        "use_limits": ["u"],
        "created_at": "2026-01-01T00:00:00",
        "build_run_id": "r",
        "counts": counts,
        "inputs": inputs,
        "batch_gates": [],
        "eval_isolation": {"hits_in_output": 0},
        "spec": {},
    }


def publish(tmp_root, spec, **kwargs):
    data = pd.concat([rows("r", 3, "real"), rows("s", 3, "synthetic")], ignore_index=True)
    data[col.CATEGORY] = "c"
    data[col.SAMPLE_SEED] = range(6)
    vectors = np.eye(6, 8, dtype=np.float32)
    return publish_dataset(
        spec, data, empty_quarantine(), manifest(), vectors, VersionStore(str(tmp_root), "ds"), **kwargs
    )


@pytest.fixture
def spec(tmp_path):
    return load_spec(write_spec(tmp_path))


def test_publish_writes_a_whole_version_with_card_and_splits(tmp_path, spec):
    url, written = publish(tmp_path / "root", spec)
    version = Path(url)
    assert json.loads((version / "manifest.json").read_text())["version"] == version.name == written["version"]
    assert (tmp_path / "root" / "ds" / "LATEST").read_text().strip() == version.name
    card = (version / "README.md").read_text()
    assert card.startswith("---\npretty_name: ds") and "## Eval isolation" in card and "Review by" in card
    assert all((version / p).stat().st_size > 1000 for p in PLOTS.values())
    train = pd.read_parquet(version / SPLIT_FILES["train"])
    assert len(train) + written["splits"].get("validation", 0) == 6


def test_the_manifest_holds_the_sha256_of_every_other_file_of_the_version(tmp_path, spec):
    """The card and plots are checked as the data are: a card edited after publishing is named by `show`."""
    url, written = publish(tmp_path / "root", spec)
    version = Path(url)
    files = {p.relative_to(version).as_posix(): p for p in version.rglob("*") if p.is_file()}
    assert set(written["outputs"]) == set(files) - {"manifest.json"}
    assert {"README.md", *PLOTS.values()} <= set(written["outputs"])
    assert all(
        written["outputs"][name] == hashlib.sha256(files[name].read_bytes()).hexdigest() for name in written["outputs"]
    )
    (version / "README.md").write_text("edited by hand")
    with pytest.raises(VersionDamaged, match="README.md: its SHA-256 is not the manifest's"):
        read_version(url)


def test_splits_are_stable_by_id():
    ids = pd.Series([f"row-{i}" for i in range(2000)])
    first, again = assign_splits(ids, 0.1), assign_splits(ids[::-1], 0.1)
    assert (first == again.sort_index()).all()
    assert 150 < (first == "validation").sum() < 250


def test_a_failed_publish_leaves_nothing_behind(tmp_path, spec, monkeypatch):
    def crash(*args):
        raise OSError("disk full")

    monkeypatch.setattr(publish_module, "_fsync_tree", crash)
    with pytest.raises(OSError):
        publish(tmp_path / "root", spec)
    assert list((tmp_path / "root" / "ds").iterdir()) == []


def test_retention_keeps_the_newest_versions(tmp_path, spec):
    store = VersionStore(str(tmp_path / "root"), "ds")
    for name in ["20250101T000000Z-a", "20250102T000000Z-b", "20250103T000000Z-c"]:
        (tmp_path / "root" / "ds" / name).mkdir(parents=True)
        (tmp_path / "root" / "ds" / name / "manifest.json").write_text("{}")
    assert store.apply_retention(2) == ["20250101T000000Z-a"]
    assert store.versions() == ["20250102T000000Z-b", "20250103T000000Z-c"]


def test_retention_never_deletes_the_version_latest_names(tmp_path):
    store = VersionStore(str(tmp_path / "root"), "ds")
    for name in ["20250101T000000Z-a", "20250102T000000Z-b", "20250103T000000Z-c", "20250104T000000Z-d"]:
        (tmp_path / "root" / "ds" / name).mkdir(parents=True)
        (tmp_path / "root" / "ds" / name / "manifest.json").write_text("{}")
    (tmp_path / "root" / "ds" / "LATEST").write_text("20250102T000000Z-b\n")  # the two newer ones were refused
    assert store.apply_retention(2) == ["20250101T000000Z-a"]
    assert store.versions() == ["20250102T000000Z-b", "20250103T000000Z-c", "20250104T000000Z-d"]
    assert store.promoted() == "20250102T000000Z-b"


def test_publish_to_an_fsspec_memory_root(spec):
    url, written = publish("memory://bucket/datasets", spec)
    assert url.startswith("memory://") and url.endswith(f"/bucket/datasets/ds/{written['version']}")
    assert len(read_version(url).data) == 6
    store = VersionStore("memory://bucket/datasets", "ds")
    assert store.latest() == written["version"]
    assert store.fs.cat_file(store.path("LATEST")).decode().strip() == written["version"]


def test_diversity_metrics_do_not_depend_on_row_order(tmp_path, spec):
    data = pd.concat([rows("r", 12, "real"), rows("s", 12, "synthetic")], ignore_index=True)
    data[col.CATEGORY] = "c"
    data[col.SAMPLE_SEED] = range(24)
    vectors = np.random.default_rng(0).normal(size=(24, 8)).astype(np.float32)
    shuffled = np.random.default_rng(1).permutation(24)

    def store(name: str) -> VersionStore:
        return VersionStore(str(tmp_path / name), "ds")

    _, first = publish_dataset(spec, data, empty_quarantine(), manifest(), vectors, store("a"))
    _, second = publish_dataset(
        spec, data.iloc[shuffled].reset_index(drop=True), empty_quarantine(), manifest(), vectors[shuffled], store("b")
    )
    assert first["diversity"] == second["diversity"]


def test_the_content_key_ignores_order_build_run_and_why_a_row_was_quarantined_but_not_rows_or_which():
    data = pd.concat([rows("r", 2, "real"), rows("s", 3, "synthetic")], ignore_index=True)
    rejected = rows("q", 2, "synthetic").assign(**{col.STAGE: "dedup", col.REASON: "near_duplicate", col.DETAIL: "a"})
    key = content_key(data, rejected, "dataset: ds\n")
    reshuffled = data.iloc[::-1].assign(**{col.BUILD_RUN_ID: "another-run"})
    assert content_key(reshuffled, rejected.assign(**{col.DETAIL: "b"}), "dataset: ds\n") == key
    assert content_key(data.iloc[1:], rejected, "dataset: ds\n") != key
    # A rebuild after a publish finds the same duplicates as repeats of that version: other reasons, the same rows.
    moved = rejected.assign(**{col.STAGE: "dedup", col.REASON: "exact_duplicate"})
    assert content_key(data, moved, "dataset: ds\n") == key
    assert content_key(data, rejected.iloc[1:], "dataset: ds\n") != key
    assert content_key(data, rejected, "dataset: other\n") != key


def test_the_spec_part_of_the_key_names_input_files_by_content_not_by_where_they_lie(tmp_path):
    # The same spec and files in another checkout (a worker's image, a teammate's clone) hold the same thing; a file
    # edited in place does not.
    for name in ("here", "there"):
        (tmp_path / name).mkdir()
    here, there = load_spec(write_spec(tmp_path / "here")), load_spec(write_spec(tmp_path / "there"))
    assert here.seed_data.path != there.seed_data.path and content_spec(here) == content_spec(there)
    with open(there.eval_sets[0].path, "a") as handle:
        handle.write(json.dumps({"id": "e9", "text": "A question added in place."}) + "\n")
    assert content_spec(here) != content_spec(there)


def test_an_unchanged_rebuild_publishes_nothing_new(tmp_path, spec):
    url, first = publish(tmp_path / "root", spec)
    again_url, again = publish(tmp_path / "root", spec)
    assert again_url == url and again["unchanged"] and again["version"] == first["version"]
    assert VersionStore(str(tmp_path / "root"), "ds").versions() == [first["version"]]


def test_an_unchanged_rebuild_still_applies_a_lowered_keep_versions(tmp_path, spec):
    # keep_versions is left out of the content key: lowering it alone rebuilds into "unchanged", which must still
    # delete the versions it no longer keeps (the rebuild is the only build that reads the new setting).
    store = VersionStore(str(tmp_path / "root"), "ds")
    for name in ["20250101T000000Z-a", "20250102T000000Z-b"]:
        (tmp_path / "root" / "ds" / name).mkdir(parents=True)
        (tmp_path / "root" / "ds" / name / "manifest.json").write_text("{}")
    _, first = publish(tmp_path / "root", spec)
    _, again = publish(
        tmp_path / "root", spec.model_copy(update={"publish": spec.publish.model_copy(update={"keep_versions": 1})})
    )
    assert again["unchanged"] and store.versions() == [first["version"]]


def test_a_rebuild_against_other_eval_sets_publishes_a_version_that_names_them(tmp_path, spec, monkeypatch):
    # An eval file edited in place (same path, so the same spec) that no row restates: the rows and quarantine are
    # the same, but the version must name the eval sets its rows were checked against, not the last build's.
    # A second apart, as builds are: versions are named and ordered by the second they were published in.
    seconds = iter(range(60))
    clock = type("Clock", (), {"now": staticmethod(lambda tz: datetime(2026, 1, 1, 0, 0, next(seconds), tzinfo=tz))})
    monkeypatch.setattr(publish_module, "datetime", clock)
    _, first = publish(tmp_path / "root", spec)
    other = manifest()
    other["inputs"]["eval_sets"] = {"e": {"sha256": "ef" * 32}}
    monkeypatch.setattr(sys.modules[__name__], "manifest", lambda: other)
    _, again = publish(tmp_path / "root", spec)
    assert not again.get("unchanged") and again["version"] != first["version"]
    assert again["inputs"]["eval_sets"] == {"e": {"sha256": "ef" * 32}}
    _, third = publish(tmp_path / "root", spec)
    assert third["unchanged"] and third["version"] == again["version"]


def test_a_rebuild_of_what_latest_holds_after_a_rollback_publishes_nothing_new(tmp_path, spec, monkeypatch):
    # Rolled back to the first version, a build of the first version's inputs holds what LATEST holds: no copy of
    # it is published, though a newer version holds something else.
    seconds = iter(range(60))
    clock = type("Clock", (), {"now": staticmethod(lambda tz: datetime(2026, 1, 1, 0, 0, next(seconds), tzinfo=tz))})
    monkeypatch.setattr(publish_module, "datetime", clock)
    store = VersionStore(str(tmp_path / "root"), "ds")
    _, first = publish(tmp_path / "root", spec)
    original, other = manifest(), manifest()
    other["inputs"]["eval_sets"] = {"e": {"sha256": "ef" * 32}}
    monkeypatch.setattr(sys.modules[__name__], "manifest", lambda: other)
    _, second = publish(tmp_path / "root", spec)
    store.point_latest(first["version"], "rolled back")
    monkeypatch.setattr(sys.modules[__name__], "manifest", lambda: original)
    url, again = publish(tmp_path / "root", spec)
    assert again["unchanged"] and again["version"] == first["version"] and url == store.url(first["version"])
    assert store.versions() == [first["version"], second["version"]] and store.promoted() == first["version"]


def test_balance_labels_gives_each_label_the_same_share_of_the_cap():
    synthetic = rows("s", 12, "synthetic")
    synthetic[col.CATEGORY] = ["x"] * 9 + ["y"] * 3
    blended, over = blend_rows(
        rows("r", 4, "real"), synthetic, Blend(max_synthetic_share=0.6, seed=3, balance_labels=True), col.CATEGORY
    )
    kept = blended[blended[col.SOURCE] == "synthetic"][col.CATEGORY].value_counts().to_dict()
    assert kept == {"x": 3, "y": 3} and len(over) == 6


def test_no_version_is_published_when_its_raw_quarantine_cannot_be_written(tmp_path, spec, monkeypatch):
    # The raw quarantine was written after the commit: on a full disk the version (whose manifest says where its
    # raw quarantine is kept) was already LATEST while the command said nothing was published.
    def full(*args, **kwargs):
        raise OSError(28, "No space left on device", "quarantine-raw.parquet")

    monkeypatch.setattr(publish_module, "write_private_quarantine", full)
    with pytest.raises(OSError):
        publish(tmp_path / "root", spec, raw_quarantine=empty_quarantine())
    store = VersionStore(str(tmp_path / "root"), "ds")
    assert store.versions() == [] and store.promoted() is None
