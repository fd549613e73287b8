"""The gates over a table of shards decide, quarantine and report exactly what apply_gates does on the whole table,
and render the same Data Docs numbers."""

import re

import pandas as pd

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


def test_gating_shard_by_shard_matches_gating_the_whole(tmp_path):
    frame = rows()
    whole = apply_gates(frame, expectations(), docs_dir=tmp_path / "docs-whole")
    table = write_shards(frame, tmp_path / "in", 5, row_schema(INSTRUCTION))
    accepted = ShardWriter(tmp_path / "out", 4, row_schema(INSTRUCTION))
    quarantine = QuarantineWriter(tmp_path / "q.parquet", INSTRUCTION, redact=False)
    batch = gate_table(table, expectations(), accepted, quarantine, docs_dir=tmp_path / "docs-shards")
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
