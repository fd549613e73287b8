from dataclasses import replace

import numpy as np

from tasks.dedup.duplicates import decide_duplicates
from tasks.dedup.sibling_threshold import (
    SIBLING_MINIMUM,
    SIBLING_SHARE,
    adapted,
    sampled_level,
    save_sample,
    sibling_level,
    sibling_scores,
)
from tasks.similarity.pair_scorer import load_scorer
from tests.helpers.fake_embed import bag_of_words

NAMES = ["Maria", "James", "Ahmed", "Li", "Sofia", "Kofi", "Ingrid", "Tomas", "Yara", "Olu", "Finn", "Ella"]
THINGS = ["apples", "marbles", "pens", "stamps", "books", "shells", "cards", "coins", "pears", "kites", "hats"]
VERBS = ["buys", "finds", "wins", "gets", "collects", "makes", "picks", "borrows"]


def word_problems(count: int, seed: int = 3) -> list[str]:
    rng = np.random.default_rng(seed)
    return [
        f"{rng.choice(NAMES)} has {rng.integers(2, 90)} {rng.choice(THINGS)} and {rng.choice(VERBS)} "
        f"{rng.integers(2, 90)} {rng.choice(THINGS)} on {rng.choice(['Monday', 'Friday', 'Sunday'])}. "
        f"How many {rng.choice(THINGS)} does {rng.choice(NAMES)} have?"
        for _ in range(count)
    ]


def test_the_siblings_level_is_where_rows_with_one_number_changed_score():
    texts, scorer = word_problems(400), load_scorer()
    siblings = sibling_scores(texts, bag_of_words, bag_of_words, scorer)
    assert len(siblings) == len(texts)  # one twin a row
    level = sibling_level(texts, bag_of_words, bag_of_words, scorer)
    assert level == float(np.quantile(siblings, 1 - SIBLING_SHARE))
    assert level < scorer.operating_points["dedup"]


def test_no_siblings_level_for_too_few_twins_or_collection_features():
    scorer = load_scorer()
    assert sibling_level(word_problems(SIBLING_MINIMUM - 1), bag_of_words, bag_of_words, scorer) is None
    assert sibling_level(["Write a poem about the sea"] * 300, bag_of_words, bag_of_words, scorer) is None
    dense = replace(scorer, features=[*scorer.features, "density_score"])
    assert sibling_level(word_problems(400), bag_of_words, bag_of_words, dense) is None


def test_the_sample_saved_for_another_process_gives_the_same_level(tmp_path):
    texts, scorer = word_problems(400), load_scorer()
    embedded = []

    def counting(batch):
        embedded.append(len(batch))
        return bag_of_words(batch)

    save_sample(tmp_path, texts, bag_of_words)
    level = sampled_level(tmp_path, counting, scorer)
    assert level is not None and level == sibling_level(texts, bag_of_words, bag_of_words, scorer)
    assert embedded == [len(texts)]  # only the twins are embedded: the rows' vectors were saved
    dense = replace(scorer, features=[*scorer.features, "density_score"])
    assert sampled_level(tmp_path, counting, dense) is None
    save_sample(tmp_path, [], bag_of_words)  # a fixed threshold: no twins, the point stands
    assert sampled_level(tmp_path, counting, scorer) is None and embedded == [len(texts)]
    save_sample(tmp_path, word_problems(SIBLING_MINIMUM - 1), bag_of_words)
    assert sampled_level(tmp_path, counting, scorer) is None and embedded == [len(texts)]


def test_the_threshold_is_the_higher_null_never_above_the_point():
    far, crowded = np.full(400, 0.3), np.full(400, 0.95)
    assert adapted(0.93, 0.72, far) == 0.72  # distinct rows far apart: just above the siblings
    assert adapted(0.93, 0.72, crowded) == 0.93  # rows in a crowd: the point
    assert adapted(0.93, 0.72, np.r_[far[:396], [0.8] * 4]) == 0.8  # 1% of rows with three close ones
    assert adapted(0.93, 0.72, np.zeros(0)) == 0.93


def test_a_build_of_far_apart_rows_is_deduplicated_below_the_point():
    texts = word_problems(300)
    restated = texts[7].replace(" on ", " every ").replace("How many", "Tell how many")
    scorer = load_scorer()
    point = scorer.operating_points["dedup"]
    found, (threshold, other) = decide_duplicates([*texts, restated], None, bag_of_words, scorer=scorer)
    assert threshold < point and other == point
    assert [(d.position, d.duplicate_of) for d in found if d.position == 300] == [(300, 7)]
    at_point, (fixed, fixed_other) = decide_duplicates([*texts, restated], point, bag_of_words)
    assert fixed == fixed_other == point
    assert 300 not in {d.position for d in at_point}  # under the point: only the build's own threshold drops it


def test_a_pair_with_numbers_on_one_side_only_keeps_the_point():
    texts = word_problems(300)
    without = "The app logs me out every few minutes and I cannot stay signed in."
    with_number = "The app on my phone logs me out every 5 minutes, I cannot stay signed in."
    scorer = load_scorer()
    found, (threshold, point) = decide_duplicates([*texts, without, with_number], None, bag_of_words, scorer=scorer)
    assert threshold < point
    score = next(d.score for d in decide_duplicates([without, with_number], 0.01, bag_of_words)[0])
    assert threshold <= score < point  # the build's own threshold would drop it; the point does not
    assert 301 not in {d.position for d in found}
