"""Blending: accepted synthetic rows mixed with the real seed rows under a maximum synthetic share.

Input columns: the row schema, real and synthetic.  Output columns: the same, shuffled with the spec's seed;
synthetic rows over the share are quarantined as blend_share_cap.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from schemas import records as col
from tasks.quarantine import to_quarantine

REASON = "blend_share_cap"


def synthetic_cap(real_rows: int, max_synthetic_share: float) -> int | None:
    """Most synthetic rows allowed beside real_rows real ones (None: no cap)."""
    if max_synthetic_share >= 1:
        return None
    return math.floor(max_synthetic_share / (1 - max_synthetic_share) * real_rows + 1e-9)


def blend_rows(real: pd.DataFrame, synthetic: pd.DataFrame, max_synthetic_share: float, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(blended rows, synthetic rows over the cap), both decided by a seeded shuffle."""
    rng = np.random.default_rng(seed)
    cap = synthetic_cap(len(real), max_synthetic_share)
    order = rng.permutation(len(synthetic))
    keep = order if cap is None else order[:cap]
    over = synthetic.iloc[sorted(set(range(len(synthetic))) - set(keep.tolist()))]
    blended = pd.concat([real, synthetic.iloc[sorted(keep.tolist())]], ignore_index=True)
    blended = blended.iloc[rng.permutation(len(blended))].reset_index(drop=True)
    share = len(keep) / max(1, len(blended))
    quarantined = to_quarantine(over, "blend", REASON, detail=f"synthetic share capped at {max_synthetic_share} (cap {cap} rows)")
    quarantined[col.SCORE] = share
    return blended, quarantined
