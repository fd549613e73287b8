import numpy as np

from tasks.publish.diversity import (
    compare_diversity,
    distinct_ngram_count,
    distinct_ngrams,
    diversity_report,
    effective_clusters,
    js_distance,
)


def test_distinct_bigrams_fall_when_rows_repeat_a_pattern():
    assert distinct_ngrams(["a b c", "d e f"]) == 1.0
    assert distinct_ngrams(["a b c", "a b c"]) == 0.5
    assert distinct_ngram_count(["a b c", "a b c", "a b d"]) == 3


def test_effective_clusters_and_js_distance():
    assert effective_clusters(np.array([0.25, 0.25, 0.25, 0.25])) == 4.0
    assert effective_clusters(np.array([1.0, 0, 0])) == 1.0
    assert js_distance(np.array([0.5, 0.5]), np.array([0.5, 0.5])) == 0.0
    assert js_distance(np.array([1.0, 0.0]), np.array([0.0, 1.0])) == 1.0


def test_synthetic_rows_in_one_real_cluster_cover_little_of_the_real_data():
    rng = np.random.default_rng(0)
    centres = np.eye(4, 8, dtype=np.float32)
    real = np.repeat(centres, 10, axis=0) + rng.normal(0, 0.01, (40, 8)).astype(np.float32)
    synthetic = centres[:1].repeat(10, axis=0) + rng.normal(0, 0.01, (10, 8)).astype(np.float32)
    report = diversity_report(
        ["x y"] * 50, np.array([False] * 40 + [True] * 10), np.vstack([real, synthetic]), clusters=4
    )
    assert round(report["effective_clusters_real"], 2) == 4.0
    assert report["effective_clusters_synthetic"] == 1.0
    assert report["real_synthetic_js_distance"] > 0.5


def test_a_drop_past_tolerance_is_reported():
    before = {"distinct_2_count_synthetic": 100, "effective_clusters_synthetic": 8.0}
    after = {"distinct_2_count_synthetic": 90, "effective_clusters_synthetic": 4.0}
    verdict = compare_diversity(after, before, tolerance=0.2)
    assert verdict["changes"] == {"distinct_2_count_synthetic": -0.1, "effective_clusters_synthetic": -0.5}
    assert len(verdict["drops"]) == 1 and "effective_clusters_synthetic fell 50.0%" in verdict["drops"][0]
    assert compare_diversity(after, None, 0.2)["drops"] == []
