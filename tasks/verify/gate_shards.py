"""The GX gates over a table of shards without holding every candidate: expectations that judge each row on its own
run block by block (GX_BLOCK_ROWS rows read across the shards), the rest (batch-level ones, and uniqueness, which
needs the whole column) once on the columns they name. The verdicts, quarantine, batch results and Data Docs are
those of apply_gates on the whole table: row failures are gathered over every block before any row is split off
(shard by shard), and the Data Docs render GX's results merged over the blocks (counts added, failing ids joined)
in the order GX reports the whole suite."""

from __future__ import annotations

import copy
import json

from schemas import records as col
from tasks.stage_writer import QuarantineWriter, ShardWriter
from tasks.tables import iter_blocks, iter_frames, read_columns, read_parquet
from tasks.verify.expectations import (
    JSON_SCHEMA_TYPE,
    apply_gates,
    gate_failures,
    is_row_level,
    render_data_docs,
    split_failed,
    validate,
    validator,
)

GX_BLOCK_ROWS = 50_000

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


def gate_table(
    table: str,
    expectations: list,
    accepted: ShardWriter,
    quarantine: QuarantineWriter,
    stage: str = "verify",
    docs_dir=None,
    block_rows: int = GX_BLOCK_ROWS,
) -> list[dict]:
    """apply_gates(the whole table): accepted rows added in order to `accepted`, quarantined ones to `quarantine`;
    returns the batch results. Reads the whole table only when an expectation needs more than its columns."""
    earlier, later = two_passes(expectations)
    whole = [e for e in earlier if not decided_per_row(e)]
    per_row = [e for e in earlier if decided_per_row(e)]
    columns = columns_named(whole)
    if columns is None or not all(decided_per_row(e) for e in later):
        outcome = apply_gates(read_parquet(table), expectations, stage, docs_dir)
        accepted.add(outcome.accepted)
        quarantine.add(outcome.quarantined)
        return outcome.batch_results
    first = next(iter_frames(table), None)
    if first is None:
        return []  # apply_gates runs nothing on no rows
    template = validate(first.iloc[0:0], _copies(earlier))  # GX's order and meta for the whole suite
    order = {_key(r.expectation_config): n for n, r in enumerate(template.results)}
    failed: dict[str, list[str]] = {}
    rules: dict[str, dict] = {}
    batch_results: list[dict] = []
    results = {}  # the results GX gave, by expectation, for the Data Docs
    if whole:
        ordered = sorted(validate(read_columns(table, columns), _copies(whole)).results, key=_in(order))
        failed, rules, batch_results = gate_failures(ordered, whole)
        results = {_key(r.expectation_config): [r] for r in ordered}
    check = validator(_copies(per_row))
    # First pass: every row's failures, before any is split off. A GX run costs about 0.1 s whatever its rows (its
    # metric graph), so it reads blocks across the shards: 5,000 rows a run cost 2.3 s per 100k rows, 50,000 cost 0.6.
    for frame in iter_blocks(table, block_rows) if per_row else ():
        shard = sorted(check(frame).results, key=_in(order))
        shard_failed, shard_rules, _ = gate_failures(shard, per_row)
        for row_id, reasons in shard_failed.items():
            failed.setdefault(row_id, []).extend(reasons)
            rules.setdefault(row_id, {}).update(shard_rules[row_id])
        for r in shard:
            results.setdefault(_key(r.expectation_config), []).append(r)
    later_rejects = []
    for frame in iter_frames(table):  # second pass: split each shard on the failures of all
        kept, rejected = split_failed(frame, failed, rules, earlier, stage)
        quarantine.add(rejected)
        matched = apply_gates(kept, _copies(later), stage) if later else None
        accepted.add(matched.accepted if matched else kept)
        if matched is not None:
            later_rejects.append(matched.quarantined)
    for rejected in later_rejects:  # apply_gates quarantines the second pass's rows after the first's
        quarantine.add(rejected)
    if docs_dir is not None:
        render_data_docs(merged_validation(template, results), _copies(earlier), docs_dir)
    return batch_results


def _copies(expectations: list) -> list:
    """GX binds an expectation to the suite it is added to: each validation gets copies."""
    return [copy.copy(e) for e in expectations]


def _in(order: dict):
    return lambda result: order[_key(result.expectation_config)]


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
