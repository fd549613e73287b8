import numpy as np
import pandas as pd

from schemas import records as col
from tasks.dedup.cluster_cap import best_first, cap_per_cluster
from tasks.quarantine import Reason


def test_each_cluster_keeps_at_most_n_rows_and_the_best_ones():
    frame = pd.DataFrame(
        {
            col.ID: [f"r{i}" for i in range(8)],
            col.JUDGE_SCORE: [3.0, 5.0, 4.0, None, 2.0, 4.5, 1.0, None],
            col.SAMPLE_SEED: range(8),
        }
    )
    centres = np.eye(2, 4, dtype=np.float32)
    vectors = np.vstack([centres[0]] * 6 + [centres[1]] * 2) + np.random.default_rng(0).normal(0, 0.01, (8, 4)).astype(
        np.float32
    )
    kept, quarantined = cap_per_cluster(frame, vectors, max_rows=2, clusters=2)
    assert sorted(kept[col.ID]) == ["r1", "r5", "r6", "r7"]
    assert set(quarantined[col.REASON]) == {Reason.CLUSTER_CAP} and len(quarantined) == 4
    assert "cluster" in quarantined[col.DETAIL].iloc[0] and "cap 2" in quarantined[col.DETAIL].iloc[0]


def test_best_first_orders_by_judge_score_then_age():
    frame = pd.DataFrame(
        {col.ID: ["a", "b", "c", "d"], col.JUDGE_SCORE: [None, 4.0, 4.0, 5.0], col.SAMPLE_SEED: [0, 9, 3, 7]}
    )
    assert best_first(frame)[col.ID].tolist() == ["d", "c", "b", "a"]
