"""The demo spec through a real flow run: exact counts, every gate at work, and the books balance."""

import json
from pathlib import Path

import pandas as pd
import pytest

from flows.build import build_dataset
from schemas import records as col
from tasks.versions.read import read_version
from tasks.versions.store import QUARANTINE_FILE

pytestmark = pytest.mark.usefixtures("prefect_api")

DEMO = Path(__file__).resolve().parents[2] / "deployments" / "specs" / "demo.yaml"


@pytest.fixture(scope="module")
def demo_version(tmp_path_factory):
    return Path(build_dataset(str(DEMO), str(tmp_path_factory.mktemp("demo")))["path"])


def test_demo_build_publishes_with_exact_counts(demo_version):
    version = demo_version
    manifest = json.loads((version / "manifest.json").read_text())
    data = read_version(str(version)).data
    quarantine = pd.read_parquet(version / QUARANTINE_FILE)

    # Read row by row against main's demo (docs/detection.md, seventeenth round): since numbers are written alike
    # for the encoder and the demo's 20 eval items calibrate their own threshold (0.674), eval_contamination flags
    # 13 rows more, each an eval item restated with another name ("Chen has 4 marbles and then buys 3 more marbles"
    # against "Maria had 4 marbles. She then bought 3 more marbles.": the restatements the new-user trial found
    # published), 9 of them published before, 2 capped at the blend and 2 dropped as lexical duplicates. 9 rows
    # dropped before as duplicates publish: "James has 2 marbles and then buys 4 more marbles" (the error main's
    # dedup made against "James shares 4 marbles equally among 2 friends") and 8 template rows with another name
    # and the same numbers ("Aisha shares 25 marbles equally among 5 friends" beside "Chen shares 25 marbles ..."),
    # the same task, scoring about 0.90-0.91 under the point (0.932) this build keeps, its template rows crowding.
    assert manifest["counts"]["quarantined"]["by_reason"] == {
        "arithmetic_wrong": 45,
        "blend_share_cap": 51,
        "code_failed": 15,
        "eval_contamination": 28,
        "exact_duplicate": 95,
        "gx_input_length": 3,
        "lexical_near_duplicate": 5,
        "memorised_seed_span": 13,
        "near_duplicate": 75,
        "pii_email": 8,
    }
    assert manifest["counts"]["published"] == {"total": 437, "real": 175, "synthetic": 262}
    assert manifest["inputs"]["contamination_threshold_source"] == (
        "calibrated on the 20 eval items and their number twins at false_positive_rate 0.005"
    )
    assert manifest["counts"]["accounting"] == {
        "synthetic_samples": 600,
        "synthetic_published": 262,
        "synthetic_quarantined": 338,
        "real_rows": 175,
        "real_published": 175,
        "real_quarantined": 0,
    }
    assert manifest["row_checks"]["code_execution"] == {"passed": 516, "failed": 15}
    assert manifest["eval_isolation"] == {"published_rows_checked": 437, "hits_in_output": 0}
    # Every row is in exactly one place, and each rejection is explained.
    assert len(data) + len(quarantine) == 600 + 175
    assert set(data[col.ID]).isdisjoint(quarantine[col.ID])
    dups = quarantine[quarantine[col.REASON].str.endswith("duplicate")]
    assert dups[col.DUPLICATE_OF].notna().all() and dups[col.DUPLICATE_OF].isin(data[col.ID]).mean() > 0.5
    hits = quarantine[quarantine[col.REASON] == "eval_contamination"]
    assert (
        hits[col.NEAREST_EVAL_ID].str.startswith("word_problems:wp-").all()
        and hits[col.DETAIL].str.contains("ngram_overlap=.* threshold=").all()
    )
    assert (quarantine.groupby(col.REASON)[col.STAGE].nunique() == 1).all()
    # Provenance on every synthetic row; the resolved spec beside the data.
    synthetic = data[data[col.SOURCE] == col.SOURCE_SYNTHETIC]
    assert (
        synthetic[[col.GENERATOR, col.TEMPLATE_ID, col.TEMPLATE_HASH, col.SAMPLE_SEED, col.BUILD_RUN_ID]]
        .notna()
        .all()
        .all()
    )
    assert (version / "spec.yaml").exists() and manifest["spec"]["dataset"] == "instruct-demo"
    assert (version.parent / "LATEST").read_text().strip() == version.name
    assert manifest["data_docs"] == "data_docs/index.html" and list(
        (version / "data_docs" / "validations").rglob("*.html")
    )
    assert not (version.parent / ".work").exists() or not any((version.parent / ".work").iterdir())


def test_every_reader_loads_the_published_version(demo_version):
    import datasets
    import duckdb
    import polars as pl

    loaded = datasets.load_dataset(str(demo_version))
    assert set(loaded) == {"train", "validation"}
    total = loaded["train"].num_rows + loaded["validation"].num_rows
    assert total == 437 and set(loaded["train"].column_names) == set(col.ROW_SCHEMA.names)
    assert len(pd.read_parquet(demo_version / "data")) == total
    assert pl.read_parquet(str(demo_version / "data" / "*.parquet")).height == total
    assert duckdb.sql(f"select count(*) from read_parquet('{demo_version}/data/*.parquet')").fetchall() == [(total,)]


def test_shards_of_37_rows_publish_the_same_rows_as_one_shard(demo_version, tmp_path):
    sharded = Path(build_dataset(str(DEMO), str(tmp_path), {"orchestration.shard_rows": 37})["path"])
    manifest, sharded_manifest = (json.loads((v / "manifest.json").read_text()) for v in (demo_version, sharded))

    def rows(version: Path, name: str) -> pd.DataFrame:
        frame = pd.read_parquet(version / name).drop(columns=[col.BUILD_RUN_ID])
        return frame.sort_values(list(frame.columns[:1])).reset_index(drop=True)

    assert sharded_manifest["counts"] == manifest["counts"]
    assert sharded_manifest["row_checks"] == manifest["row_checks"]
    pd.testing.assert_frame_equal(rows(sharded, "data"), rows(demo_version, "data"))
    pd.testing.assert_frame_equal(rows(sharded, QUARANTINE_FILE), rows(demo_version, QUARANTINE_FILE))


def test_a_rebuild_of_the_demo_publishes_nothing_new(demo_version):
    # Against the published rows the rebuild met a row the first build had kept through dedup and capped at the
    # blend, found it near a published row its in-build dedup had not compared it with, and the seeded blend then
    # swapped 28 rows: a new version of unchanged inputs.
    again = build_dataset(str(DEMO), str(demo_version.parent.parent))
    assert again["unchanged"] and again["version"] == demo_version.name
