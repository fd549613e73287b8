"""Blending a table of synthetic shards without reading it whole: the cap and the shuffle are decided on the column
the strata come from, then the shards are read one at a time, the rows kept collected and the rows over the cap
written to the quarantine as they pass."""

from __future__ import annotations

import numpy as np
import pandas as pd

from schemas import records as col
from schemas.spec import Blend
from tasks.blend.mix import blend_plan, share_cap_quarantine, strata_column
from tasks.stage_writer import QuarantineWriter
from tasks.tables import iter_frames, read_columns


def blend_shards(
    real: pd.DataFrame, synthetic: str, config: Blend, quarantine: QuarantineWriter, label: str | None = None
) -> pd.DataFrame:
    """blend_rows(real, the whole synthetic table): the same blended rows; the same rows over the cap, in the same
    order, added to `quarantine`."""
    by = strata_column(config, label)
    keys = read_columns(synthetic, [col.ID] + ([by] if by and by != col.ID else []))
    keep, order, cap = blend_plan(len(real), keys, config, label)
    kept_mask = np.zeros(len(keys), dtype=bool)
    kept_mask[keep] = True
    del keys
    kept, offset, blended_rows = [], 0, len(real) + len(keep)
    for frame in iter_frames(synthetic):
        mask = kept_mask[offset : offset + len(frame)]
        offset += len(frame)
        kept.append(frame[mask])
        quarantine.add(share_cap_quarantine(frame[~mask], config, cap, len(keep), blended_rows))
    return pd.concat([real, *kept], ignore_index=True).iloc[order].reset_index(drop=True)
