import numpy as np

import tasks.similarity.row_pairs as row_pairs
from tasks.similarity.pair_features import profile_for
from tasks.similarity.pair_scorer import load_scorer
from tasks.similarity.row_pairs import RowPairs
from tests.helpers.fake_embed import bag_of_words

TEXTS = [
    "Maria has 3 apples and buys 4 more apples today",
    "Maria has 3 apples and then buys 4 more apples today",
    "Tom runs 10 miles in 2 hours, half past one",
    "Write a poem about the sea",
    "Maria has 3 apples and buys 4 more apples today",
]


def test_a_numbers_profile_is_computed_once_per_row_and_equals_a_fresh_one(monkeypatch):
    monkeypatch.setattr(row_pairs, "PROFILES", 2)  # the cap of a text-reading model's profiles is not this one's
    made = []
    fresh = profile_for(load_scorer().features)
    pairs = RowPairs(TEXTS, bag_of_words(TEXTS))
    monkeypatch.setattr(pairs, "_profile", lambda text: made.append(text) or fresh(text))
    for _ in range(3):
        assert [pairs.profile(row) for row in range(len(TEXTS))] == [fresh(text) for text in TEXTS]
    assert made == TEXTS
    # equal mentions are one object however many rows state them
    assert pairs.profile(0).mentions[0] is pairs.profile(4).mentions[0] is pairs.profile(1).mentions[0]


def test_scores_are_those_of_fresh_profiles(monkeypatch):
    pairs = RowPairs(TEXTS, bag_of_words(TEXTS))
    nearest = pairs.nearest()
    kept = pairs.scores(nearest)
    monkeypatch.setattr(pairs, "profile", lambda row: profile_for(pairs.scorer.features)(TEXTS[row]))
    assert np.array_equal(kept, pairs.scores(nearest))


def test_float16_vectors_score_as_their_float32_values_do():
    vectors = bag_of_words(TEXTS).astype(np.float16)
    half = RowPairs(TEXTS, vectors)
    assert half.vectors is vectors or half.vectors.dtype == np.float16
    full = RowPairs(TEXTS, vectors.astype(np.float32))
    assert np.array_equal(half.scores(half.nearest()), full.scores(full.nearest()))
