"""A diversity filter: at most N rows per embedding cluster, so a build of a thousand rows does not hold fifty
copies of one pattern. Within a cluster the best rows stay: highest judge score, then the oldest sample."""

from __future__ import annotations

import numpy as np
import pandas as pd

from schemas import records as col
from tasks.publish.diversity import cluster_labels
from tasks.quarantine import Reason, to_quarantine


def best_first(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows ordered best first: judge score (highest), then sample seed (oldest)."""
    return frame.sort_values(
        [col.JUDGE_SCORE, col.SAMPLE_SEED], ascending=[False, True], na_position="last", kind="stable"
    )


def cap_per_cluster(
    frame: pd.DataFrame, vectors: np.ndarray, max_rows: int, clusters: int, seed: int = 0
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(kept rows, quarantined rows) with at most max_rows rows of each of `clusters` k-means clusters."""
    frame = frame.reset_index(drop=True)
    labels = pd.Series(cluster_labels(vectors, vectors, clusters, seed), index=frame.index)
    ranked = best_first(frame)
    position_in_cluster = ranked.groupby(labels[ranked.index]).cumcount()
    over = position_in_cluster[position_in_cluster >= max_rows].index
    sizes = labels.value_counts()
    dropped = frame.loc[over]
    detail = labels[over].map(lambda k: f"cluster {k} holds {sizes[k]} rows; cap {max_rows}")
    quarantined = to_quarantine(dropped, "dedup", Reason.CLUSTER_CAP, score=dropped[col.JUDGE_SCORE], detail=detail)
    return frame.drop(index=over).reset_index(drop=True), quarantined
