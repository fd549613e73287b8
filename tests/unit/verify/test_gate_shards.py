"""The gates over a table of shards decide, quarantine and report exactly what apply_gates does on the whole table,
and render the same Data Docs numbers."""

import json
import re

import pandas as pd
import pytest

from schemas import records as col
from schemas.record_builtins import INSTRUCTION
from schemas.record_derived import row_schema
from schemas.suites import load_suite
from tasks.shards import write_shards
from tasks.stage_writer import QuarantineWriter, ShardWriter
from tasks.tables import read_parquet
from tasks.verify.expectations import apply_gates, build_expectation
from tasks.verify.gate_shards import gate_table

EXTRA = [
    {"type": "expect_column_value_lengths_to_be_between", "kwargs": {"column": col.INPUT, "max_value": 12}},
    {"type": "expect_column_values_to_be_in_set", "kwargs": {"column": col.CATEGORY, "value_set": ["a", "b"]}},
    {
        "type": "expect_column_proportion_of_unique_values_to_be_between",
        "kwargs": {"column": col.INSTRUCTION, "min_value": 0.1},
    },
]


def rows() -> pd.DataFrame:
    n = 23
    frame = pd.DataFrame(
        {
            col.ID: [f"r{i}" for i in range(n)],
            col.INSTRUCTION: [f"Question number {i % 7}" for i in range(n)],
            col.INPUT: ["x" * (i % 15) for i in range(n)],
            col.OUTPUT: ["an answer"] * n,
            col.CATEGORY: ["a", "b", "c"] * 7 + ["a", "a"],
        }
    ).reindex(columns=row_schema(INSTRUCTION).names)
    frame[col.SOURCE] = col.SOURCE_SYNTHETIC
    frame.loc[4, col.INSTRUCTION] = None
    frame.loc[[9, 20], col.ID] = "twice"  # in different shards: uniqueness needs the whole column
    frame.loc[20, col.INPUT] = "y" * 14
    return frame


def expectations():
    configs = load_suite("instruction_record")["expectations"] + EXTRA
    return [build_expectation(c, f"test.{i}") for i, c in enumerate(configs)]


def docs_text(folder) -> str:
    pages = sorted((folder / "validations").rglob("*.html"))
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", pages[0].read_text()))
    return re.sub(r"\d{8}T\d{6}\.\d+Z|\d{4}-\d{2}-\d{2}[T ][\d:.]+(\+00:00|Z)?|[0-9a-f]{32}", "", text)


@pytest.mark.parametrize("block_rows", [7, 50_000])  # GX's runs across the shards' boundaries, or one for all
def test_gating_shard_by_shard_matches_gating_the_whole(tmp_path, block_rows):
    frame = rows()
    whole = apply_gates(frame, expectations(), docs_dir=tmp_path / "docs-whole")
    table = write_shards(frame, tmp_path / "in", 5, row_schema(INSTRUCTION))
    accepted = ShardWriter(tmp_path / "out", 4, row_schema(INSTRUCTION))
    quarantine = QuarantineWriter(tmp_path / "q.parquet", INSTRUCTION, redact=False)
    batch = gate_table(
        table, expectations(), accepted, quarantine, docs_dir=tmp_path / "docs-shards", block_rows=block_rows
    )
    written = quarantine.close()
    kept = read_parquet(accepted.close())
    assert kept[col.ID].tolist() == whole.accepted[col.ID].tolist()
    assert len(list((tmp_path / "out").glob("*.parquet"))) == -(-len(kept) // 4)
    shards = read_parquet(written.path)
    assert shards[[col.ID, col.REASON, col.DETAIL]].values.tolist() == (
        whole.quarantined[[col.ID, col.REASON, col.DETAIL]].values.tolist()
    )
    assert {
        "gx_id_not_unique",
        "gx_instruction_missing",
        "gx_column_value_lengths_to_be_between",
        "gx_column_values_to_be_in_set",
    } <= set(written.counts)
    assert batch == whole.batch_results
    assert docs_text(tmp_path / "docs-shards") == docs_text(tmp_path / "docs-whole")


def test_json_schema_gates_run_on_every_shard(tmp_path):
    """The JSON Schema pass runs once per shard: each run needs its own copies of the expectations (GX binds one to
    the suite it is added to, and refused the second shard's)."""
    documents = [{"total": 5}, {"total": "5 EUR"}, "not json", {"total": 7}] * 3
    frame = pd.DataFrame(
        {
            col.ID: [f"e{i}" for i in range(len(documents))],
            "extracted": [d if isinstance(d, str) else json.dumps(d) for d in documents],
        }
    )
    total = {"type": "object", "properties": {"total": {"type": "number"}}}
    configs = [
        {"type": "expect_column_values_to_be_json_parseable", "kwargs": {"column": "extracted"}},
        {"type": "expect_column_values_to_match_json_schema", "kwargs": {"column": "extracted", "json_schema": total}},
    ]

    def gates():  # each run its own: GX binds an expectation to one suite
        return [build_expectation(c, f"test.{i}") for i, c in enumerate(configs)]

    (tmp_path / "in").mkdir()
    for n in range(3):
        frame.iloc[n * 4 : n * 4 + 4].to_parquet(tmp_path / "in" / f"{n:05d}.parquet", index=False)
    whole = apply_gates(frame, gates())
    kept, quarantined = Frames(), Frames()
    gate_table(str(tmp_path / "in"), gates(), kept, quarantined)
    assert kept.all()[col.ID].tolist() == whole.accepted[col.ID].tolist() == ["e0", "e3", "e4", "e7", "e8", "e11"]
    columns = [col.ID, col.REASON, col.DETAIL]
    assert quarantined.all()[columns].values.tolist() == whole.quarantined[columns].values.tolist()
    assert quarantined.all()[col.REASON].value_counts().to_dict() == {
        "gx_column_values_to_be_json_parseable": 3,
        "gx_column_values_to_match_json_schema": 3,
    }


class Frames:
    """What gate_table adds to a writer, kept in memory."""

    def __init__(self):
        self.frames = []

    def add(self, frame):
        self.frames.append(frame)

    def all(self):
        return pd.concat(self.frames, ignore_index=True)
