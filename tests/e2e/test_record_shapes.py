"""The example spec of every record shape, built offline: each published version loads in datasets, pandas, polars
and DuckDB with its declared types, and its own gates show in the counts."""

import json
from pathlib import Path

import datasets
import duckdb
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

from flows.build import build_dataset
from schemas.record_derived import row_schema
from schemas.spec import load_spec
from tasks.versions.store import QUARANTINE_FILE

pytestmark = pytest.mark.usefixtures("prefect_api")

SPECS = Path(__file__).resolve().parents[2] / "deployments" / "specs"
SHAPES = {
    "demo": {"generator.rows": 60},  # the instruction record, smaller than make demo builds it
    "conversation": {},
    "preference": {},
    "labelled": {},
    "extraction": {"orchestration.shard_rows": 15},  # its JSON Schema gates on several shards (one crashed them)
}
MESSAGES = pa.list_(pa.struct([("role", pa.string()), ("content", pa.string())]))


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("shapes")
    return {
        name: Path(build_dataset(str(SPECS / f"{name}.yaml"), str(root), overrides or None)["path"])
        for name, overrides in SHAPES.items()
    }


def _loaded(version: Path) -> dict:
    files = sorted(str(p) for p in (version / "data").glob("*.parquet"))
    return {
        "datasets": datasets.load_dataset(str(version))["train"],
        "pandas": pd.concat(pd.read_parquet(f) for f in files),
        "polars": pl.read_parquet(files),
        "duckdb": duckdb.sql(f"select * from read_parquet({files!r})"),
    }


@pytest.mark.parametrize("name", list(SHAPES))
def test_every_shape_loads_with_its_declared_types(built, name):
    version = built[name]
    record = load_spec(SPECS / f"{name}.yaml").record_schema
    loaded = _loaded(version)
    manifest = json.loads((version / "manifest.json").read_text())
    total = manifest["counts"]["published"]["total"]
    assert len(loaded["pandas"]) == len(loaded["polars"]) == loaded["duckdb"].shape[0] == total
    assert loaded["datasets"].num_rows == manifest["splits"]["train"]
    features = loaded["datasets"].features
    duck_types = dict(zip(loaded["duckdb"].columns, map(str, loaded["duckdb"].types)))
    for column, declared in record.columns.items():
        arrow_type = row_schema(record).field(column).type
        assert (
            loaded["polars"].schema[column]
            == pl.from_arrow(pa.table({column: pa.array([], arrow_type)})).schema[column]
        )
        if declared.type == "messages":
            assert arrow_type == MESSAGES
            assert duck_types[column] == 'STRUCT("role" VARCHAR, "content" VARCHAR)[]'
            first = loaded["datasets"][0][column]
            assert isinstance(first, list) and set(first[0]) == {"role", "content"}
        else:
            expected = {"text": "string", "category": "string", "json": "string", "integer": "int64"}[declared.type]
            assert features[column].dtype == expected and duck_types[column] == "VARCHAR"
    card = (version / "README.md").read_text()
    assert ("license: cc-by-4.0" in card) == (name != "demo") and "dataset_info:" in card
    headings = [line for line in card.split("\n---\n", 2)[-1].splitlines() if line.startswith("#")]
    assert headings[0].startswith("# ") and f"## Record: {record.name}" in headings  # the title first


def _reasons(version: Path) -> dict[str, int]:
    return json.loads((version / "manifest.json").read_text())["counts"]["quarantined"]["by_reason"]


def test_each_shape_shows_its_own_gates(built):
    extraction = _reasons(built["extraction"])
    assert extraction["json_schema_violation"] > 0 and extraction["json_not_valid"] > 0
    quarantine = pd.read_parquet(built["extraction"] / QUARANTINE_FILE)
    violations = quarantine[quarantine["reason"] == "json_schema_violation"]
    assert violations["extracted"].map(lambda t: isinstance(json.loads(t)["total"], str)).all()

    labelled = _reasons(built["labelled"])
    assert labelled["category_not_allowed"] > 0
    published = pd.read_parquet(built["labelled"] / "data")
    assert set(published["label"]) <= {"billing", "shipping", "account", "other"}
    balanced = published[published["source"] == "synthetic"]["label"].value_counts()  # blend.balance_labels
    assert len(balanced) == 4 and balanced.max() - balanced.min() <= 1

    chats = pd.read_parquet(built["conversation"] / QUARANTINE_FILE)
    duplicates = chats[chats["reason"] == "exact_duplicate"]
    assert len(duplicates) > 0  # the same user turns under another assistant reply
    assert set(duplicates["template_id"]) & {"late_order", "late_order_short_reply"}

    pairs = pd.read_parquet(built["preference"] / QUARANTINE_FILE)
    assert (pairs["reason"] == "exact_duplicate").sum() > 0 and pairs["prompt"].notna().all()
