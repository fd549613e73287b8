import numpy as np

from tasks.similarity.pair_features import pair_matrix, profile_for
from tasks.similarity.pair_scorer import load_scorer
from tasks.similarity.row_pairs import GRAPH_DEPTH, RowPairs, text_scores
from tasks.vectors.index import neighbour_graph
from tests.helpers.fake_embed import bag_of_words

TEXTS = [
    "Maria has 3 apples and buys 4 more apples today",
    "Maria has 3 apples and then buys 4 more apples today",
    "Tom runs 10 miles in 2 hours, half past one",
    "Write a poem about the sea",
    "Maria has 3 apples and buys 4 more apples today",
]


def scores(pairs: RowPairs, nearest: np.ndarray) -> np.ndarray:
    embedding, _ = pairs.bounds(nearest)
    profile = profile_for(pairs.scorer.features)
    profiles = {i: profile(t) for i, t in enumerate(TEXTS)}
    return text_scores(profiles, nearest, embedding, pairs.scorer, pairs.idf)


def test_a_bound_is_never_under_the_score_and_the_score_is_the_scorers():
    pairs = RowPairs(TEXTS, bag_of_words(TEXTS))
    nearest = pairs.nearest()
    embedding, bound = pairs.bounds(nearest)
    found = scores(pairs, nearest)
    assert len(nearest) and (bound >= found - 1e-12).all() and (bound > found).any()
    profile = profile_for(pairs.scorer.features)
    profiles = {i: profile(t) for i, t in enumerate(TEXTS)}
    assert np.array_equal(found, pairs.scorer(pair_matrix(profiles, profiles, nearest, embedding, {}, None)))


def test_a_graph_searched_before_scores_as_one_searched_here():
    vectors = bag_of_words(TEXTS)
    here = RowPairs(TEXTS, vectors)
    given = RowPairs(TEXTS, vectors, near=neighbour_graph(vectors, GRAPH_DEPTH), scorer=load_scorer())
    assert np.array_equal(here.nearest(), given.nearest())
    assert np.array_equal(scores(here, here.nearest()), scores(given, given.nearest()))


def test_float16_vectors_score_as_their_float32_values_do():
    vectors = bag_of_words(TEXTS).astype(np.float16)
    half = RowPairs(TEXTS, vectors)
    assert half.vectors is vectors or half.vectors.dtype == np.float16
    full = RowPairs(TEXTS, vectors.astype(np.float32))
    assert np.array_equal(scores(half, half.nearest()), scores(full, full.nearest()))
