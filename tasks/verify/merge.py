"""Verify's merge a shard at a time: the gates' and the row-check shards' quarantines copied into one, and human
verdicts applied to the checked rows shard by shard, so the merge never holds every candidate."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from schemas.record_derived import row_schema
from schemas.spec import Spec
from tasks.stage_result import sum_counts
from tasks.stage_writer import QuarantineWriter, ShardWriter, WrittenQuarantine
from tasks.tables import iter_frames, read_parquet
from tasks.verify.review import ReviewOutcome, review_rows


def merge_verdicts(
    spec: Spec, quarantines: list[WrittenQuarantine], checked: str, folder: Path, cache=None
) -> tuple[WrittenQuarantine, str, ReviewOutcome]:
    """verify's merge under folder: the quarantines (the gates', then the row-check shards', each redacted where it
    was written) and the review's in one file, and the checked rows the review keeps as shards of
    orchestration.shard_rows; (the quarantine, the kept rows' folder, the review outcome)."""
    quarantine = QuarantineWriter(folder / "quarantine.parquet", spec.record_schema, spec.publish.quarantine_raw_text)
    for written in quarantines:
        quarantine.copy(written)
    accepted = ShardWriter(folder / "synthetic", spec.orchestration.shard_rows, row_schema(spec.record_schema))
    reviewed = review_table(checked, spec, accepted, cache=cache)
    quarantine.add(reviewed.quarantined)
    return quarantine.close(), accepted.close(), reviewed


def review_table(table: str, spec: Spec, accepted: ShardWriter, cache=None) -> ReviewOutcome:
    """review_rows on a table of shards, the rows it keeps added in order to `accepted` (the outcome's own accepted
    frame is left empty). Without judges, a shard at a time: human verdicts are per row. Judges see every row at
    once, as they always have (their batches and the disagreement statistics span the whole)."""
    if spec.gates.judging is not None:
        outcome = review_rows(read_parquet(table), spec, cache=cache)
        accepted.add(outcome.accepted)
        return ReviewOutcome(outcome.accepted.iloc[0:0], outcome.quarantined, outcome.queue, outcome.stats)
    quarantined, stats, queue = [], [], None
    for frame in iter_frames(table):
        outcome = review_rows(frame, spec)
        accepted.add(outcome.accepted)
        quarantined.append(outcome.quarantined)
        stats.append(outcome.stats)
        queue = outcome.queue
    if queue is None:  # no rows at all: the outcome of reviewing none
        outcome = review_rows(read_parquet(table), spec)
        accepted.add(outcome.accepted)
        return ReviewOutcome(outcome.accepted.iloc[0:0], outcome.quarantined, outcome.queue, outcome.stats)
    return ReviewOutcome(pd.DataFrame(), pd.concat(quarantined, ignore_index=True), queue, sum_counts(stats))
