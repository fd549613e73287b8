"""The promotion decision on tiny inline data: scores, the paired bootstrap interval, and both rules."""

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, f1_score

from tasks.evaluate.bootstrap import compare_item_scores, compare_predictions, promotes, score

TRUTH = ["a", "a", "a", "b", "b", "b", "c", "c", "c", "c"]
GOOD = ["a", "a", "a", "b", "b", "b", "c", "c", "c", "a"]  # 9 of 10
SAME_BUT_ONE = ["a", "a", "a", "b", "b", "b", "c", "c", "b", "a"]  # 8 of 10
BAD = ["b", "c", "a", "c", "a", "b", "a", "b", "c", "a"]  # 3 of 10


@pytest.mark.parametrize("predicted", [GOOD, SAME_BUT_ONE, BAD])
def test_scores_match_scikit_learn(predicted):
    assert score(TRUTH, predicted, "accuracy") == pytest.approx(accuracy_score(TRUTH, predicted))
    assert score(TRUTH, predicted, "macro_f1") == pytest.approx(f1_score(TRUTH, predicted, average="macro"))


def test_identical_arms_differ_by_nothing_and_promote():
    comparison = compare_predictions(TRUTH, GOOD, GOOD, "macro_f1", samples=200, seed=1)
    assert comparison.difference == 0 and comparison.ci == (0.0, 0.0)
    assert promotes(comparison, tolerance=0.0, rule="ci_lower_bound")


def test_a_clearly_worse_blend_is_refused_by_both_rules():
    comparison = compare_predictions(TRUTH, GOOD, BAD, "accuracy", samples=500, seed=0)
    assert comparison.difference == pytest.approx(-0.6)
    assert comparison.ci[1] < -0.3  # the whole interval is far below zero
    assert not promotes(comparison, 0.05, "ci_lower_bound") and not promotes(comparison, 0.05, "point_estimate")


def test_the_interval_rule_asks_more_than_the_point_estimate():
    # One item worse out of ten: -0.1, inside a tolerance of 0.1, but the interval reaches further down.
    comparison = compare_predictions(TRUTH, GOOD, SAME_BUT_ONE, "accuracy", samples=1000, seed=0)
    assert comparison.difference == pytest.approx(-0.1)
    assert comparison.ci[0] < -0.1 <= comparison.ci[1]
    assert promotes(comparison, 0.1, "point_estimate")
    assert not promotes(comparison, 0.1, "ci_lower_bound")


def test_the_bootstrap_is_seeded():
    first = compare_predictions(TRUTH, GOOD, SAME_BUT_ONE, "macro_f1", samples=300, seed=5)
    again = compare_predictions(TRUTH, GOOD, SAME_BUT_ONE, "macro_f1", samples=300, seed=5)
    other = compare_predictions(TRUTH, GOOD, SAME_BUT_ONE, "macro_f1", samples=300, seed=6)
    assert first == again and first.ci != other.ci


def test_per_item_scores_compare_by_their_means():
    baseline = np.array([1, 1, 0, 1, 0, 1, 1, 0], dtype=float)
    blend = np.array([1, 1, 1, 1, 0, 1, 1, 1], dtype=float)
    comparison = compare_item_scores(baseline, blend, samples=500, seed=0)
    assert comparison.baseline == pytest.approx(0.625) and comparison.blend == pytest.approx(0.875)
    assert comparison.difference == pytest.approx(0.25) and comparison.ci[0] >= 0  # the blend never loses an item
    with pytest.raises(ValueError, match="same"):
        compare_item_scores([1, 0], [1], samples=100)
