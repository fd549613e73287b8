"""Array operations numpy does slowly at dedup's sizes."""

from __future__ import annotations

import numpy as np


def unique(values: np.ndarray) -> np.ndarray:
    """np.unique(values) (sorted, flattened) by one sort: numpy 2.4's unique hashes integers first, and took 3.0 s on
    900k int64 pair codes where a sort takes 0.2 s (np.unique with return_index or return_inverse still sorts)."""
    ordered = np.sort(np.asarray(values).ravel())
    return ordered[np.r_[True, ordered[1:] != ordered[:-1]]] if len(ordered) else ordered
