"""Blending a table of synthetic shards shard by shard: the cap and the shuffle are decided once, on the column the
strata come from (plan_blend); then each shard is split on its own into the rows kept and the rows over the cap
(split_shard, which the build maps over its workers: quarantining a row means redacting it of what the privacy
gate did not clear); then the kept rows of every shard and the real rows are put in the plan's order
(blended_rows)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from schemas import records as col
from schemas.spec import Blend
from tasks.blend.mix import blend_plan, share_cap_quarantine, strata_column
from tasks.shards import shard_files, table_rows
from tasks.tables import read_columns


@dataclass(frozen=True)
class BlendCounts:
    """What a shard's split needs of the plan: the cap, the synthetic rows kept and the rows blended in all."""

    cap: int | None
    kept: int
    blended: int


@dataclass(frozen=True)
class BlendPlan:
    """The blend decided: the cap (None: none), the order of the blended rows (real rows first, then the kept
    synthetic ones, as blend_rows numbers them), and per synthetic shard (part, file, positions kept in it).
    Positions are arrays, not lists: Prefect walks a task's list parameters item by item for futures (0.6 s for
    the order of a 100k-row build's 70k rows, paid on submission and again by the task run), not an array."""

    cap: int | None
    order: np.ndarray
    shards: list[tuple[int, str, np.ndarray]]

    @property
    def counts(self) -> BlendCounts:
        """The plan's counts, all a shard's split reads (the order is the merge's alone: a row each)."""
        return BlendCounts(self.cap, sum(len(kept) for _, _, kept in self.shards), len(self.order))


def plan_blend(real_rows: int, synthetic: str, config: Blend, label: str | None = None) -> BlendPlan:
    """The plan blend_rows would follow for `real_rows` real rows and the whole synthetic table (a folder of shards
    or one file), read only for its ids and strata."""
    by = strata_column(config, label)
    keys = read_columns(synthetic, [col.ID] + ([by] if by and by != col.ID else []))
    keep, order, cap = blend_plan(real_rows, keys, config, label)
    shards, start = [], 0
    for part, path in enumerate(shard_files(synthetic)):
        stop = start + table_rows(path)
        inside = keep[(keep >= start) & (keep < stop)] - start
        shards.append((part, path, inside))
        start = stop
    if start != len(keys):
        raise ValueError(f"{synthetic}: its shards hold {start} rows, its columns {len(keys)}")
    return BlendPlan(cap, np.asarray(order, dtype=np.int64), shards)


def split_shard(
    frame: pd.DataFrame, kept: np.ndarray, counts: BlendCounts, config: Blend
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(the shard's rows kept, its rows over the cap as blend quarantines them)."""
    mask = np.zeros(len(frame), dtype=bool)
    mask[kept] = True
    over = share_cap_quarantine(frame[~mask], config, counts.cap, counts.kept, counts.blended)
    return frame[mask], over


def blended_rows(real: pd.DataFrame, kept: list[pd.DataFrame], plan: BlendPlan) -> pd.DataFrame:
    """The real rows and every shard's kept rows (in shard order) in the plan's order."""
    return pd.concat([real, *kept], ignore_index=True).iloc[plan.order].reset_index(drop=True)
