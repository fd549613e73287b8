import numpy as np

from schemas.spec import Decontamination
from tasks.decontaminate.calibration import TWINS
from tasks.decontaminate.contamination import score_contamination
from tasks.decontaminate.eval_index import MIN_CALIBRATION_ITEMS, build_eval_index, cached_eval_index
from tasks.similarity.pair_scorer import load_scorer
from tests.helpers.fake_embed import bag_of_words

EVAL_IDS = ["e1", "e2", "e3"]
EVAL_TEXTS = [
    "James shares 12 apples equally among 3 friends. How many apples does each friend get?",
    "What is the capital city of the country that hosted the first modern Olympic games?",
    "This passage is from a speech given in the senate about tariffs and trade with distant nations. "
    + "The senator spoke at length of ships, harbours, merchants, farmers and the price of cloth and iron in "
    "every state. " * 4 + "Which policy did the speaker oppose most strongly?",
]


def score(texts, **config):
    evals = build_eval_index(EVAL_IDS, EVAL_TEXTS, embed=bag_of_words)
    return score_contamination(texts, evals, Decontamination(**config), embed=bag_of_words)


def test_a_copy_inside_a_longer_text_is_caught_by_ngrams():
    verdict = score(
        [
            "Please solve: James shares 12 apples equally among 3 friends. How many apples does each friend get? Show "
            "work."
        ]
    )
    assert verdict.loc[0, "contaminated"]
    assert verdict.loc[0, "nearest_eval_id"] == "e1"
    assert verdict.loc[0, "ngram_overlap"] == 1.0


def test_same_template_with_other_numbers_is_not_contamination():
    verdict = score(
        [
            "James shares 15 apples equally among 5 friends. How many apples does each friend get?",
            "James shares fifteen apples equally among five friends. How many apples does each friend get?",
        ]
    )
    assert not verdict["contaminated"].any()


def test_numbers_written_another_way_are_the_same_item_and_score_higher_than_other_numbers():
    # both score on the cosine alone but for the changed numbers; the stand-in encoder reads "twelve" and "12" as
    # different words (cosine 0.88 for both texts), hence the fixed threshold
    verdict = score(
        [
            "James shares twelve apples equally among three friends. How many apples does each friend get?",
            "James shares 15 apples equally among 5 friends. How many apples does each friend get?",
        ],
        score_threshold=0.6,
    )
    assert verdict["contaminated"].tolist() == [True, False]
    assert verdict.loc[0, "nearest_eval_id"] == "e1"
    assert verdict.loc[0, "score"] > verdict.loc[1, "score"]


def test_a_rephrasing_is_caught_by_embedding_similarity():
    # the bag-of-words stand-in encoder scores rephrasings lower than the real one, hence the fixed threshold
    verdict = score(
        ["Which capital city belongs to the country that hosted the first modern Olympic games?"], score_threshold=0.6
    )
    assert verdict.loc[0, "contaminated"]
    assert verdict.loc[0, "ngram_overlap"] < 0.5
    assert verdict.loc[0, "nearest_eval_id"] == "e2"


def test_a_restated_question_matches_the_question_sentence_of_a_long_item():
    question = score(["Which policy did the speaker oppose most strongly?"])
    assert question.loc[0, "nearest_eval_id"] == "e3"
    assert question.loc[0, "cosine"] > 0.99  # the question chunk, not the whole passage


def test_unrelated_text_passes_and_rows_keep_input_order():
    verdict = score(
        [
            "Write a haiku about autumn leaves.",
            "James shares 12 apples equally among 3 friends. How many apples does each friend get?",
        ]
    )
    assert verdict["contaminated"].tolist() == [False, True]


def test_a_fixed_score_threshold_overrides_calibration():
    text = ["Which capital city belongs to the country that hosted the first modern Olympic games?"]
    assert not score(text, score_threshold=0.9999).loc[0, "contaminated"]


def words_without_numbers(count: int) -> list[str]:
    letters = "bcdfghjklmnpqrstvwxz"
    return [letters[i % 20] + letters[i // 20 % 20] + "o" + letters[i // 400 % 20] for i in range(count)]


def test_the_threshold_is_calibrated_on_the_eval_set_itself():
    rng = np.random.default_rng(1)
    words = words_without_numbers(400)
    texts = [" ".join(rng.choice(words, 12)) for _ in range(MIN_CALIBRATION_ITEMS + 50)]
    evals = build_eval_index([str(i) for i in range(len(texts))], texts, embed=bag_of_words)
    strict, loose = evals.threshold(0.01), evals.threshold(0.2)
    calibration = evals.calibration[load_scorer().digest]
    assert len(calibration) == len(texts)
    assert len(evals.calibration[f"{load_scorer().digest}-{TWINS}"]) == 0  # no numbers, no twins
    assert strict > loose
    assert strict == np.quantile(calibration, 0.99) and loose == np.quantile(calibration, 0.8)  # no floor
    assert np.mean(calibration >= loose) >= 0.19
    tiny = build_eval_index(EVAL_IDS, EVAL_TEXTS, embed=bag_of_words)
    assert tiny.threshold(0.01) == load_scorer().operating_points["small_eval_set"]


def test_an_eval_index_is_built_once_and_read_back(tmp_path):
    calls = []

    def counting_embed(texts):
        calls.append(len(texts))
        return bag_of_words(texts)

    first = cached_eval_index(EVAL_IDS, EVAL_TEXTS, counting_embed, tmp_path, "model")
    second = cached_eval_index(EVAL_IDS, EVAL_TEXTS, counting_embed, tmp_path, "model")
    assert len(calls) == 1
    assert second.ids == first.ids
    np.testing.assert_array_equal(second.density, first.density)
    np.testing.assert_array_equal(second.owner, first.owner)
    cached_eval_index(EVAL_IDS[:2], EVAL_TEXTS[:2], counting_embed, tmp_path, "model")
    assert len(calls) == 2  # another eval set is another index


def numbered_items(count: int) -> list[str]:
    rng = np.random.default_rng(2)
    words = words_without_numbers(400)
    return [
        f"{' '.join(rng.choice(words, 8))} buys {rng.integers(2, 90)} boxes of {rng.integers(2, 90)} pens"
        for _ in range(count)
    ]


def test_number_twins_lift_the_threshold_above_what_the_own_items_set():
    texts = numbered_items(MIN_CALIBRATION_ITEMS + 50)
    evals = build_eval_index([str(i) for i in range(len(texts))], texts, embed=bag_of_words)
    threshold, digest = evals.threshold(0.005), load_scorer().digest
    own, twins = evals.calibration[digest], evals.calibration[f"{digest}-{TWINS}"]
    assert len(twins) == 3 * len(texts)  # each item's numbers all changed, and each of its two alone
    assert threshold == max(np.quantile(own, 0.995), np.quantile(np.r_[own, twins], 0.995))
    assert threshold > np.quantile(own, 0.995)  # a twin with other numbers scores above distinct items
    assert np.mean(own >= threshold) <= 0.005


def test_both_calibrations_are_kept_beside_the_index(tmp_path):
    texts = numbered_items(MIN_CALIBRATION_ITEMS)
    ids = [str(i) for i in range(len(texts))]
    first = cached_eval_index(ids, texts, bag_of_words, tmp_path, "model")
    calls = []

    def counting_embed(batch):
        calls.append(len(batch))
        return bag_of_words(batch)

    second = cached_eval_index(ids, texts, counting_embed, tmp_path, "model")
    assert not calls  # neither the items nor their twins are embedded again
    assert second.calibration.keys() == first.calibration.keys() and len(first.calibration) == 2
    assert second.threshold(0.005) == first.threshold(0.005)
