import numpy as np

from tasks.similarity.pair_features import FEATURES, TEXT_FEATURE_RANGES, TEXT_FEATURES, pair_matrix, profile
from tasks.similarity.pair_scorer import load_scorer, scorer_from_dict

TEXTS = [
    "Maria has 3 apples and buys 4 more. How many apples does Maria have now?",
    "Maria has 3 apples and then buys 4 more apples. How many apples does Maria have?",
    "Maria has 7 apples and then buys 9 more apples. How many apples does Maria have?",
    "Write a short, polite reply to Ada confirming our meeting on March 04.",
    "Write Python that prints 40 divided by 3.",
    "Write a poem about the sea",
]
PAIRS = np.array([(i, j) for i in range(len(TEXTS)) for j in range(len(TEXTS)) if i != j])


def embedding_features(seed=0):
    rng = np.random.default_rng(seed)
    cosine = rng.uniform(0.2, 1.0, len(PAIRS))
    return np.stack([cosine, 2 * cosine - rng.uniform(0.5, 1.5, len(PAIRS)), rng.uniform(-0.2, 0.2, len(PAIRS))], 1)


def every_feature_model():
    rng = np.random.default_rng(1)
    return scorer_from_dict(
        {"features": FEATURES, "mean": [0.0] * len(FEATURES), "scale": [1.0] * len(FEATURES),
         "coef": rng.normal(size=len(FEATURES)).tolist(), "intercept": 0.3}
    )  # fmt: skip


def test_text_features_stay_in_their_ranges_and_the_bound_holds_for_every_pair():
    profiles = [profile(t) for t in TEXTS]
    embedding = embedding_features()
    matrix = pair_matrix(profiles, profiles, PAIRS, embedding, {})
    for column, name in enumerate(TEXT_FEATURES, start=3):
        low, high = TEXT_FEATURE_RANGES[name]
        assert (matrix[:, column] >= low).all() and (matrix[:, column] <= high).all(), name
    for scorer in (load_scorer(), every_feature_model()):
        assert (scorer(matrix) <= scorer.most(embedding) + 1e-12).all()


def test_features_a_model_does_not_read_may_be_skipped_without_changing_its_scores():
    profiles = [profile(t) for t in TEXTS]
    embedding = embedding_features(2)
    scorer = load_scorer()
    full = pair_matrix(profiles, profiles, PAIRS, embedding, {})
    needed = pair_matrix(profiles, profiles, PAIRS, embedding, {}, scorer.features)
    assert np.array_equal(scorer(full), scorer(needed))
    assert np.array_equal(full, pair_matrix(profiles, profiles, PAIRS, embedding, {}, FEATURES))
