"""Diversity of a version and its drift from the previous one.

- distinct-2: distinct word bigrams, as a count (falls when a build collapses onto few patterns) and as a share
  of all bigrams (low when rows repeat patterns; a ratio that rises on fewer rows, so drift uses the count);
- effective clusters: exp(entropy) of the rows' shares of k-means clusters fitted on the real rows (how many
  of the real data's clusters a source really uses: the synthetic rows' coverage of the real data);
- real/synthetic distance: Jensen-Shannon distance between the two sources' cluster distributions.
"""

from __future__ import annotations

import faiss
import numpy as np

from tasks.text_features import word_tokens

DRIFT_METRICS = ("distinct_2_count_synthetic", "effective_clusters_synthetic")


def _ngrams(texts: list[str], size: int) -> list[tuple[str, ...]]:
    return [tuple(tokens[i : i + size]) for tokens in map(word_tokens, texts) for i in range(len(tokens) - size + 1)]


def distinct_ngrams(texts: list[str], size: int = 2) -> float:
    grams = _ngrams(texts, size)
    return len(set(grams)) / len(grams) if grams else 0.0


def distinct_ngram_count(texts: list[str], size: int = 2) -> int:
    return len(set(_ngrams(texts, size)))


def cluster_labels(vectors: np.ndarray, fit_on: np.ndarray, clusters: int, seed: int = 0) -> np.ndarray:
    """Nearest of k-means centroids fitted on `fit_on` (k capped by its size), deterministic for a seed."""
    k = max(1, min(clusters, len(fit_on)))
    if k == 1:
        return np.zeros(len(vectors), dtype=int)
    kmeans = faiss.Kmeans(fit_on.shape[1], k, niter=25, nredo=5, seed=seed, verbose=False, min_points_per_centroid=1)
    kmeans.train(np.ascontiguousarray(fit_on, dtype=np.float32))
    return kmeans.index.search(np.ascontiguousarray(vectors, dtype=np.float32), 1)[1][:, 0]


def cluster_shares(labels: np.ndarray, clusters: int) -> np.ndarray:
    counts = np.bincount(labels, minlength=clusters).astype(float)
    return counts / counts.sum() if counts.sum() else counts


def effective_clusters(shares: np.ndarray) -> float:
    nonzero = shares[shares > 0]
    return float(np.exp(-(nonzero * np.log(nonzero)).sum())) if len(nonzero) else 0.0


def js_distance(p: np.ndarray, q: np.ndarray) -> float:
    """Jensen-Shannon distance (base 2): 0 for equal distributions, 1 for disjoint ones."""
    if not p.sum() or not q.sum():
        return 1.0
    m = (p + q) / 2

    def kl(a: np.ndarray) -> float:
        return float(np.sum(a[a > 0] * np.log2(a[a > 0] / m[a > 0])))

    return float(np.sqrt(max(0.0, (kl(p) + kl(q)) / 2)))


def diversity_report(
    texts: list[str], is_synthetic: np.ndarray, vectors: np.ndarray, clusters: int, seed: int = 0
) -> dict:
    """The metrics of one version, per source, plus each source's cluster shares (for the card's plot)."""
    real_rows = vectors[~is_synthetic]
    labels = cluster_labels(vectors, real_rows if len(real_rows) >= clusters else vectors, clusters, seed)
    k = int(labels.max()) + 1 if len(labels) else 1
    synthetic, real = cluster_shares(labels[is_synthetic], k), cluster_shares(labels[~is_synthetic], k)
    synthetic_texts = [t for t, s in zip(texts, is_synthetic) if s]
    return {
        "clusters": k,
        "distinct_2_count_synthetic": distinct_ngram_count(synthetic_texts),
        "distinct_2_synthetic": round(distinct_ngrams(synthetic_texts), 4),
        "distinct_2_real": round(distinct_ngrams([t for t, s in zip(texts, is_synthetic) if not s]), 4),
        "effective_clusters_synthetic": round(effective_clusters(synthetic), 3),
        "effective_clusters_real": round(effective_clusters(real), 3),
        "real_synthetic_js_distance": round(js_distance(synthetic, real), 4),
        "cluster_shares": {"synthetic": synthetic.round(4).tolist(), "real": real.round(4).tolist()},
    }


def compare_diversity(current: dict, previous: dict | None, tolerance: float) -> dict:
    """Relative change of each drift metric from the previous version, and which ones dropped past tolerance."""
    if not previous:
        return {"previous": None, "changes": {}, "drops": []}
    changes, drops = {}, []
    for metric in DRIFT_METRICS:
        before, after = previous.get(metric), current.get(metric)
        if not before or after is None:
            continue
        change = (after - before) / before
        changes[metric] = round(change, 4)
        if change < -tolerance:
            drops.append(f"{metric} fell {-change:.1%} ({before} -> {after}), beyond the tolerance of {tolerance:.0%}")
    return {"changes": changes, "drops": drops}
