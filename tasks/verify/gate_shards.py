"""The GX gates over a table of shards, the shards in parallel: the expectations that need more than one row (the
batch-level ones, and uniqueness, which needs the whole column) run once on the columns they name (check_batch);
those that judge each row on its own run shard by shard (gate_shard), each shard split on its own failures and the
batch step's; the Data Docs render GX's results merged over the shards (counts added, failing ids joined) in the
order GX reports the whole suite (render_gate_docs).

The verdicts, quarantine reasons and batch results are those of apply_gates on the whole table. Two things differ:
the quarantine lists rows shard by shard (in each shard, the JSON Schema pass's rows after the others, where
apply_gates puts them after every shard's); and a JSON Schema expectation that judges the batch (`mostly`) is
measured on the rows every other gate kept (check_kept), where apply_gates measures it before the row-level JSON
Schema gates split rows off."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq

from schemas import records as col
from tasks.tables import read_columns, read_parquet
from tasks.verify.expectations import (
    JSON_SCHEMA_TYPE,
    apply_gates,
    gate_failures,
    is_row_level,
    render_data_docs,
    split_failed,
    validate,
)

# Row-level in GX's terms, but a row's verdict depends on the other rows of the column.
WHOLE_COLUMN_TYPES = frozenset(
    {
        "expect_column_values_to_be_unique",
        "expect_compound_columns_to_be_unique",
        "expect_multicolumn_values_to_be_unique",
        "expect_column_values_to_be_increasing",
        "expect_column_values_to_be_decreasing",
    }
)


def decided_per_row(expectation) -> bool:
    return is_row_level(expectation) and expectation.expectation_type not in WHOLE_COLUMN_TYPES


def columns_named(expectations: list) -> list[str] | None:
    """The id and every column these expectations name; None when one reads more than its columns (the table's
    column list or count)."""
    names = [col.ID]
    for expectation in expectations:
        kwargs = expectation.configuration.kwargs
        named = [kwargs[k] for k in ("column", "column_A", "column_B") if k in kwargs] + list(
            kwargs.get("column_list") or []
        )
        if not named and not expectation.expectation_type.startswith("expect_table_row_count"):
            return None
        names += named
    return list(dict.fromkeys(names))


def two_passes(expectations: list) -> tuple[list, list]:
    """(earlier, later) as apply_gates splits them: JSON Schema expectations second when there are others."""
    later = [e for e in expectations if e.expectation_type == JSON_SCHEMA_TYPE]
    if later and len(later) < len(expectations):
        return [e for e in expectations if e.expectation_type != JSON_SCHEMA_TYPE], later
    return expectations, []


@dataclass(frozen=True)
class GatePlan:
    """Where each expectation runs: on the batch's columns, shard by shard, or on the rows kept in the end."""

    earlier: list
    later: list

    @classmethod
    def of(cls, expectations: list) -> GatePlan:
        return cls(*two_passes(expectations))

    @property
    def batch(self) -> list:
        return [e for e in self.earlier if not decided_per_row(e)]

    @property
    def per_row(self) -> list:
        return [e for e in self.earlier if decided_per_row(e)]

    @property
    def later_per_row(self) -> list:
        return [e for e in self.later if decided_per_row(e)]

    @property
    def later_batch(self) -> list:
        return [e for e in self.later if not decided_per_row(e)]


@dataclass
class BatchVerdict:
    """What the batch step decided: the failing rows' reasons and rules (a file, so each shard reads its own rows
    without Prefect walking a dict of every failure), the batch-level results, and GX's results for the Data Docs.
    template: GX's run of the earlier suite on no rows (its order and meta); None when the table has no rows."""

    failures: str
    batch_results: list[dict]
    template: Any = None
    results: dict[str, list] = field(default_factory=dict)


@dataclass
class ShardVerdict:
    kept: pd.DataFrame
    quarantined: pd.DataFrame
    results: dict[str, list]  # GX's results of the per-row expectations on this shard, by expectation


FAILURE_COLUMNS = [col.ID, "reason", "rule_type", "rule_kwargs"]


def check_batch(table: str, plan: GatePlan, failures_path: Path) -> BatchVerdict:
    """The expectations that need more than one row, on the columns they name (every column when one reads more),
    and GX's run of the earlier suite on no rows; the failing rows' reasons written to failures_path. Raises
    GateError when a batch-level gate fails or any gate breaks."""
    files = sorted(Path(table).glob("*.parquet")) if Path(table).is_dir() else [Path(table)]
    if not any(pq.read_metadata(f).num_rows for f in files):
        return BatchVerdict(write_failures({}, {}, failures_path), [])  # apply_gates runs nothing on no rows
    template = validate(pq.read_schema(files[0]).empty_table().to_pandas(), _copies(plan.earlier))
    failed: dict[str, list[str]] = {}
    rules: dict[str, dict] = {}
    batch_results: list[dict] = []
    results = {}
    if plan.batch:
        columns = columns_named(plan.batch)
        frame = read_columns(table, columns) if columns else read_parquet(table)
        order = {_key(r.expectation_config): n for n, r in enumerate(template.results)}
        ordered = sorted(validate(frame, _copies(plan.batch)).results, key=lambda r: order[_key(r.expectation_config)])
        failed, rules, batch_results = gate_failures(ordered, plan.batch)
        results = {_key(r.expectation_config): [r] for r in ordered}
    return BatchVerdict(write_failures(failed, rules, failures_path), batch_results, template, results)


def gate_shard(frame: pd.DataFrame, plan: GatePlan, failures: str, stage: str = "verify") -> ShardVerdict:
    """One shard through the row-level gates: split on its own failures and the batch step's for its rows, then
    the row-level JSON Schema gates on the rows kept."""
    failed, rules = read_failures(failures, frame[col.ID])
    results: dict[str, list] = {}
    if plan.per_row and len(frame):
        shard = validate(frame, _copies(plan.per_row)).results
        shard_failed, shard_rules, _ = gate_failures(shard, plan.per_row)
        for row_id, reasons in shard_failed.items():
            failed.setdefault(row_id, []).extend(reasons)
            rules.setdefault(row_id, {}).update(shard_rules[row_id])
        results = {_key(r.expectation_config): [r] for r in shard}
    kept, quarantined = split_failed(frame, failed, rules, plan.earlier, stage)
    if plan.later_per_row and len(kept):
        matched = apply_gates(kept, _copies(plan.later_per_row), stage)
        kept, quarantined = matched.accepted, pd.concat([quarantined, matched.quarantined], ignore_index=True)
    return ShardVerdict(kept, quarantined, results)


def check_kept(kept: str, plan: GatePlan) -> list[dict]:
    """The JSON Schema expectations that judge the batch, on the rows every other gate kept: their results, or
    GateError."""
    if not plan.later_batch:
        return []
    columns = columns_named(plan.later_batch)
    frame = read_columns(kept, columns) if columns else read_parquet(kept)
    if frame.empty:
        return []
    return gate_failures(validate(frame, _copies(plan.later_batch)).results, plan.later_batch)[2]


def render_gate_docs(batch: BatchVerdict, shard_results: list[dict[str, list]], plan: GatePlan, docs_dir) -> None:
    """GX's Data Docs of the earlier suite over every row: the batch step's results and each shard's, merged."""
    if batch.template is None:
        return
    results = {key: list(found) for key, found in batch.results.items()}
    for shard in shard_results:
        for key, found in shard.items():
            results.setdefault(key, []).extend(found)
    render_data_docs(merged_validation(batch.template, results), _copies(plan.earlier), docs_dir)


def write_failures(failed: dict[str, list[str]], rules: dict[str, dict], path: Path) -> str:
    """The failing rows' reasons and rules as a Parquet file: one row per row id and reason."""
    rows = [(row_id, reason, *_rule(rules[row_id][reason])) for row_id, reasons in failed.items() for reason in reasons]
    path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows, columns=FAILURE_COLUMNS, dtype=object).to_parquet(path, index=False)
    return str(path)


def _rule(rule: tuple[str, dict]) -> tuple[str, str]:
    return rule[0], json.dumps(rule[1], sort_keys=True, default=str)


def read_failures(path: str, ids: pd.Series) -> tuple[dict[str, list[str]], dict[str, dict]]:
    """write_failures' reasons and rules of these row ids."""
    found = pd.read_parquet(path)
    found = found[found[col.ID].isin(ids)]
    failed: dict[str, list[str]] = {}
    rules: dict[str, dict] = {}
    for row_id, reason, type_, kwargs in found[FAILURE_COLUMNS].itertuples(index=False):
        failed.setdefault(row_id, []).append(reason)
        rules.setdefault(row_id, {})[reason] = (type_, json.loads(kwargs))
    return failed, rules


def _copies(expectations: list) -> list:
    """GX binds an expectation to the suite it is added to: each validation gets copies."""
    return [copy.copy(e) for e in expectations]


def _key(config) -> str:
    return json.dumps([config.type, dict(config.kwargs), config.meta], sort_keys=True, default=str)


def _percent(part: int, whole: int) -> float | None:
    return part / whole * 100 if whole else None


def merged_result(results: list):
    """One expectation's results over shards as GX would give it for all their rows: counts added, percentages
    of the totals, failing ids joined."""
    merged = copy.deepcopy(results[0])
    if len(results) == 1 or "element_count" not in merged.result:
        return merged
    total = sum(r.result["element_count"] for r in results)
    unexpected = sum(r.result["unexpected_count"] for r in results)
    out = dict(merged.result, element_count=total, unexpected_count=unexpected)
    ids = [hit for r in results for hit in r.result.get("unexpected_index_list") or []]
    if "unexpected_index_list" in out:
        out["unexpected_index_list"] = [{col.ID: [i for hit in ids for i in _ids(hit)]}] if ids else []
    if "missing_count" in out:
        missing = sum(r.result["missing_count"] for r in results)
        out.update(
            missing_count=missing,
            missing_percent=_percent(missing, total),
            unexpected_percent_total=_percent(unexpected, total),
            unexpected_percent_nonmissing=_percent(unexpected, total - missing),
            unexpected_percent=_percent(unexpected, total - missing),
        )
    else:
        out["unexpected_percent"] = _percent(unexpected, total)
    merged.result, merged.success = out, all(r.success for r in results)
    return merged


def _ids(hit: dict) -> list:
    return hit[col.ID] if isinstance(hit[col.ID], list) else [hit[col.ID]]


def merged_validation(template, results: dict):
    """The suite's validation result over every shard: the template's (GX's run of the whole suite on no rows) order
    and meta, each expectation's results merged."""
    merged = copy.deepcopy(template)
    merged.results = [merged_result(results[_key(r.expectation_config)]) for r in template.results]
    passed = sum(bool(r.success) for r in merged.results)
    merged.success = passed == len(merged.results)
    merged.statistics = {
        **merged.statistics,
        "evaluated_expectations": len(merged.results),
        "successful_expectations": passed,
        "unsuccessful_expectations": len(merged.results) - passed,
        "success_percent": _percent(passed, len(merged.results)),
    }
    return merged
