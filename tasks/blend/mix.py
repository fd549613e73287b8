"""Blending: accepted synthetic rows mixed with the real seed rows under a maximum synthetic share.

Input columns: the row schema, real and synthetic.  Output columns: the same, shuffled with the spec's seed;
synthetic rows over the share are quarantined as blend_share_cap. With stratify_by, the rows kept under the
cap follow the synthetic rows' mix over that column, reweighted by stratum_weights.
"""

from __future__ import annotations

import hashlib
import math

import numpy as np
import pandas as pd

from schemas import records as col
from schemas.spec import Blend
from schemas.spec_base import SpecError
from tasks.quarantine import Reason, to_quarantine


def synthetic_cap(real_rows: int, max_synthetic_share: float) -> int | None:
    """Most synthetic rows allowed beside real_rows real ones (None: no cap)."""
    if max_synthetic_share >= 1:
        return None
    return math.floor(max_synthetic_share / (1 - max_synthetic_share) * real_rows + 1e-9)


def allocate(available: dict[str, int], weights: dict[str, float], total: int) -> dict[str, int]:
    """Split `total` rows over strata in proportion to available x weight, never above what a stratum has
    (largest remainders round; what a full stratum cannot take goes to the others)."""
    quota = {k: 0 for k in available}
    open_strata = {k for k, n in available.items() if n > 0 and weights.get(k, 1.0) > 0}
    left = min(total, sum(available[k] for k in open_strata))
    while left > 0 and open_strata:
        mass = sum(available[k] * weights.get(k, 1.0) for k in open_strata)
        share = {k: left * available[k] * weights.get(k, 1.0) / mass for k in open_strata}
        grant = {k: min(math.floor(share[k]), available[k] - quota[k]) for k in open_strata}
        for k in sorted(open_strata, key=lambda k: (-(share[k] - math.floor(share[k])), k)):
            if sum(grant.values()) >= left:
                break
            if grant[k] < available[k] - quota[k]:
                grant[k] += 1
        for k, n in grant.items():
            quota[k] += n
        left -= sum(grant.values())
        open_strata = {k for k in open_strata if quota[k] < available[k]}
    return quota


def seeded_order(ids: pd.Series, seed: int) -> np.ndarray:
    """Positions of `ids` in the order of a hash of each id keyed by the seed: a row's place depends on its id and
    the seed alone, so one row more or less moves no other row's place."""
    key = hashlib.sha256(f"blend {seed}".encode()).hexdigest()[:16]
    hashed = pd.util.hash_pandas_object(ids.astype(str), index=False, hash_key=key).to_numpy()
    return np.argsort(hashed, kind="stable")


def pick_synthetic(
    synthetic: pd.DataFrame, cap: int | None, config: Blend, rng: np.random.Generator, label: str | None = None
) -> np.ndarray:
    """Positions of the synthetic rows kept, chosen by a seeded shuffle within each stratum. A stratify_by value
    weighted 0 is left out whether or not the cap binds. With balance_labels, the strata are the label's values,
    each weighted by 1 / its rows, so each gets the same share of the cap. With ids, the shuffle is seeded_order:
    which rows are kept depends on the rows, not on the order they come in (dedup puts the rows built before first,
    and a rebuild after another publish, the same rows in another order, published others under the cap)."""
    order = seeded_order(synthetic[col.ID], config.seed) if col.ID in synthetic else rng.permutation(len(synthetic))
    by = label if config.balance_labels else config.stratify_by
    strata = synthetic[by].astype(str).to_numpy() if by else None
    if by and strata is not None and not config.balance_labels:
        order = order[~np.isin(strata[order], list(_left_out(config, set(strata), by)))]
    if cap is None or cap >= len(order) or strata is None:
        return np.sort(order if cap is None else order[:cap])
    available = pd.Series(strata).value_counts().to_dict()
    weights = {k: 1 / n for k, n in available.items()} if config.balance_labels else config.stratum_weights
    quota = allocate(available, weights, cap)
    taken = {k: 0 for k in quota}
    kept = []
    for position in order:
        if taken[strata[position]] < quota[strata[position]]:
            taken[strata[position]] += 1
            kept.append(position)
    return np.sort(np.array(kept, dtype=int))


def _left_out(config: Blend, present: set[str], by: str) -> set[str]:
    """The stratify_by values weighted 0; SpecError when that is every value the synthetic rows hold."""
    zero = {value for value, weight in config.stratum_weights.items() if weight == 0}
    if present and present <= zero:
        raise SpecError(
            f"blend.stratum_weights: every {by} value of the synthetic rows ({', '.join(sorted(present))}) has "
            "weight 0, so none could be published; give one a positive weight"
        )
    return zero & present


def blend_plan(
    real_rows: int, synthetic: pd.DataFrame, config: Blend, label: str | None = None
) -> tuple[np.ndarray, np.ndarray, int | None]:
    """(positions of the synthetic rows kept, the order of the blended rows, the cap), decided by the spec's seed:
    `synthetic` need only hold the column the strata come from, so a stage can decide without reading every row."""
    rng = np.random.default_rng(config.seed)
    cap = synthetic_cap(real_rows, config.max_synthetic_share) if config.include_real else None
    keep = pick_synthetic(synthetic, cap, config, rng, label)
    return keep, rng.permutation(real_rows + len(keep)), cap


def share_cap_quarantine(over: pd.DataFrame, config: Blend, cap: int | None, kept: int, blended: int) -> pd.DataFrame:
    """Synthetic rows over the cap as blend quarantines them, its score the synthetic share of the blended rows;
    a row of a stratum weighted 0 says so."""
    detail = pd.Series(f"synthetic share capped at {config.max_synthetic_share} ({cap} rows)", index=over.index)
    if config.stratify_by and config.stratify_by in over.columns:
        zero = sorted(k for k, w in config.stratum_weights.items() if w == 0)
        excluded = over[config.stratify_by].astype(str).isin(zero)
        detail[excluded] = (
            over.loc[excluded, config.stratify_by]
            .astype(str)
            .map(lambda value: f"blend.stratum_weights gives {config.stratify_by} {value!r} weight 0")
        )
    quarantined = to_quarantine(over, "blend", Reason.BLEND_SHARE_CAP, detail=detail)
    quarantined[col.SCORE] = kept / max(1, blended)
    return quarantined


def blend_rows(
    real: pd.DataFrame, synthetic: pd.DataFrame, config: Blend, label: str | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(blended rows, synthetic rows over the cap), both decided by the spec's seed; `label` is the record's label
    column, which balance_labels balances."""
    keep, order, cap = blend_plan(len(real), synthetic, config, label)
    over = synthetic.drop(index=synthetic.index[keep])
    blended = pd.concat([real, synthetic.iloc[keep]], ignore_index=True)
    blended = blended.iloc[order].reset_index(drop=True)
    return blended, share_cap_quarantine(over, config, cap, len(keep), len(blended))


def strata_column(config: Blend, label: str | None = None) -> str | None:
    """The column pick_synthetic reads the strata from, if any."""
    return label if config.balance_labels else config.stratify_by
