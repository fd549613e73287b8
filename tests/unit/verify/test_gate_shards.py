"""The gates over a table of shards, each shard on its own as the flow maps them, decide, quarantine and report
what apply_gates does on the whole table, and render the same Data Docs numbers."""

import json
import re

import pandas as pd
import pytest

from schemas import records as col
from schemas.record_builtins import INSTRUCTION
from schemas.record_derived import row_schema
from schemas.suites import load_suite
from tasks.shards import shard_files, write_shards
from tasks.tables import read_parquet
from tasks.verify.expectations import GateError, apply_gates, build_expectation
from tasks.verify.gate_shards import GatePlan, check_batch, check_kept, gate_shard, render_gate_docs

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


def gate_in_shards(table: str, expectations: list, folder, docs_dir=None):
    """The gates' steps as flows/build.py runs them, each shard read on its own: (kept, quarantined, batch results)."""
    plan = GatePlan.of(expectations)
    batch = check_batch(table, plan, folder / "failures.parquet")
    verdicts = [gate_shard(read_parquet(shard), plan, batch.failures) for shard in shard_files(table)]
    kept = pd.concat([v.kept for v in verdicts], ignore_index=True)
    kept.to_parquet(folder / "kept.parquet")
    results = batch.batch_results + check_kept(str(folder / "kept.parquet"), plan)
    if docs_dir is not None:
        render_gate_docs(batch, [v.results for v in verdicts], plan, docs_dir)
    return kept, pd.concat([v.quarantined for v in verdicts], ignore_index=True), results


def test_gating_shard_by_shard_matches_gating_the_whole(tmp_path):
    frame = rows()
    whole = apply_gates(frame, expectations(), docs_dir=tmp_path / "docs-whole")
    table = write_shards(frame, tmp_path / "in", 5, row_schema(INSTRUCTION))
    kept, quarantined, batch = gate_in_shards(table, expectations(), tmp_path, tmp_path / "docs-shards")
    assert kept[col.ID].tolist() == whole.accepted[col.ID].tolist()
    assert quarantined[[col.ID, col.REASON]].values.tolist() == whole.quarantined[[col.ID, col.REASON]].values.tolist()
    # GX names failing rows by id: on the whole table the two rows that share an id share their failures too; in
    # shards each row's detail names what that row failed (row 20's input is too long and its category unknown)
    apart = quarantined[col.ID] != "twice"
    assert quarantined[apart][col.DETAIL].tolist() == whole.quarantined[apart][col.DETAIL].tolist()
    assert quarantined[~apart][col.DETAIL].tolist() == [
        "failed: gx_id_not_unique",
        "failed: gx_id_not_unique, gx_column_value_lengths_to_be_between, gx_column_values_to_be_in_set",
    ]
    assert {
        "gx_id_not_unique",
        "gx_instruction_missing",
        "gx_column_value_lengths_to_be_between",
        "gx_column_values_to_be_in_set",
    } <= set(quarantined[col.REASON])
    assert batch == whole.batch_results
    assert docs_text(tmp_path / "docs-shards") == docs_text(tmp_path / "docs-whole")


def extraction_rows() -> pd.DataFrame:
    documents = [{"total": 5, "currency": "EUR"}, {"total": "5 EUR"}, "not json", {"total": 7}, {"total": 1}] * 3
    return pd.DataFrame(
        {
            col.ID: [f"e{i}" for i in range(len(documents))],
            "extracted": [d if isinstance(d, str) else json.dumps(d) for d in documents],
        }
    )


def extraction_gates(mostly: float) -> list:
    total = {"type": "object", "properties": {"total": {"type": "number"}}}
    currency = {"type": "object", "required": ["currency"]}
    configs = [
        {"type": "expect_column_values_to_be_unique", "kwargs": {"column": col.ID}},
        {"type": "expect_column_values_to_be_json_parseable", "kwargs": {"column": "extracted"}},
        {"type": "expect_column_values_to_match_json_schema", "kwargs": {"column": "extracted", "json_schema": total}},
        {
            "type": "expect_column_values_to_match_json_schema",
            "kwargs": {"column": "extracted", "json_schema": currency, "mostly": mostly},
            "meta": {"reason": "json_currency_share"},
        },
    ]
    return [build_expectation(c, f"test.{i}") for i, c in enumerate(configs)]


def write_table(frame: pd.DataFrame, folder, rows: int) -> str:
    folder.mkdir()
    for n, start in enumerate(range(0, max(len(frame), 1), rows)):  # an empty table is one empty file
        frame.iloc[start : start + rows].to_parquet(folder / f"{n:05d}.parquet", index=False)
    return str(folder)


def test_json_schema_gates_run_after_the_others_in_every_shard(tmp_path):
    table = write_table(extraction_rows(), tmp_path / "in", 4)
    whole = apply_gates(extraction_rows(), extraction_gates(mostly=0.2))
    kept, quarantined, batch = gate_in_shards(table, extraction_gates(mostly=0.2), tmp_path)
    assert kept[col.ID].tolist() == whole.accepted[col.ID].tolist()
    assert sorted(quarantined[[col.ID, col.REASON, col.DETAIL]].values.tolist()) == sorted(
        whole.quarantined[[col.ID, col.REASON, col.DETAIL]].values.tolist()
    )
    reasons = {"gx_column_values_to_be_json_parseable", "gx_column_values_to_match_json_schema"}
    assert set(quarantined[col.REASON]) == reasons
    # shard by shard: each shard's JSON Schema rows after its other rows (e1 is shard 0's, e2 shard 0's unparseable)
    assert quarantined[col.ID].tolist()[:2] == ["e2", "e1"]
    # the batch-level JSON Schema gate is measured on the rows every other gate kept: 3 of 9 name a currency
    assert [r["reason"] for r in batch] == ["json_currency_share"]
    assert batch[0]["success"]


def test_a_batch_level_json_schema_gate_fails_the_build_on_the_kept_rows(tmp_path):
    table = write_table(extraction_rows(), tmp_path / "in", 4)
    with pytest.raises(GateError, match="json_currency_share"):
        gate_in_shards(table, extraction_gates(mostly=0.5), tmp_path)


def test_no_rows_run_no_gate_and_render_no_docs(tmp_path):
    table = write_table(extraction_rows().iloc[0:0], tmp_path / "in", 4)
    kept, quarantined, batch = gate_in_shards(table, extraction_gates(mostly=0.9), tmp_path, tmp_path / "docs")
    assert kept.empty and quarantined.empty and batch == []
    assert not (tmp_path / "docs").exists()
