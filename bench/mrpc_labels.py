"""What bench/detection.py's MRPC figures are made of: the pairs a gap to cosine consists of, and the figures on
the pairs whose MRPC label agrees with docs/detection.md's decisions (MRPC calls a sentence that reports other
numbers a paraphrase, and a sentence plus a clause a non-paraphrase: the product calls the first another item and
the second a copy)."""

from __future__ import annotations

import numpy as np

from bench.detection_word_problems import FPRS, recall_at_fpr
from bench.recall_interval import recall_gaps
from tasks.similarity.pair_features import FEATURES

CONTAINED = 0.9  # share of one side's words found in the other
SHOWN = 10


def only_baseline_finds(ours: np.ndarray, baseline: np.ndarray, labels: np.ndarray, frame, fpr: float) -> dict:
    """How many positive pairs the baseline finds at `fpr` and ours does not (and the reverse), with the first
    SHOWN of the former as (text_a, text_b): what a gap is made of."""
    above = [s > np.quantile(s[labels == 0], 1 - fpr, method="higher") for s in (ours, baseline)]
    lost = np.flatnonzero((labels == 1) & above[1] & ~above[0])
    return {
        "only_baseline": len(lost),
        "only_ours": int(((labels == 1) & above[0] & ~above[1]).sum()),
        "first_only_baseline": [[frame["text_a"].iat[i], frame["text_b"].iat[i]] for i in lost[:SHOWN]],
    }


def as_decided(ours: np.ndarray, features: np.ndarray, cosine: np.ndarray, labels: np.ndarray) -> dict:
    """Ours and plain cosine on the pairs whose MRPC label agrees with the documented decisions: without the
    paraphrases that change a number and the non-paraphrases one side of which holds CONTAINED of the other's words."""
    changed = features[:, FEATURES.index("numbers_consistent")] < 0
    words = features[:, [FEATURES.index("gram1_forward"), FEATURES.index("gram1_backward")]]
    contained = words.max(axis=1) >= CONTAINED
    left_out = {
        "paraphrases_changing_a_number": int(((labels == 1) & changed).sum()),
        "non_paraphrases_contained": int(((labels == 0) & contained).sum()),
    }
    keep = ~((labels == 1) & changed) & ~((labels == 0) & contained)
    ours, cosine, labels = ours[keep], cosine[keep], labels[keep]
    return {
        "left_out": left_out,
        "ours": recall_at_fpr(ours[labels == 1], ours[labels == 0]),
        "cosine": recall_at_fpr(cosine[labels == 1], cosine[labels == 0]),
        "ours_minus_cosine": recall_gaps(ours, cosine, labels, FPRS),
    }
