from schemas.spec import Decontamination
from tasks.decontaminate import build_eval_index, score_contamination
from tests.unit.fake_embed import bag_of_words

EVAL_IDS = ["e1", "e2"]
EVAL_TEXTS = [
    "James shares 12 apples equally among 3 friends. How many apples does each friend get?",
    "What is the capital city of the country that hosted the first modern Olympic games?",
]


def score(texts, **config):
    evals = build_eval_index(EVAL_IDS, EVAL_TEXTS, ngram_size=8, embed=bag_of_words)
    return score_contamination(texts, evals, Decontamination(**config), embed=bag_of_words)


def test_a_copy_inside_a_longer_text_is_caught_by_ngrams():
    verdict = score(["Please solve: James shares 12 apples equally among 3 friends. How many apples does each friend get? Show work."])
    assert verdict.loc[0, "contaminated"]
    assert verdict.loc[0, "nearest_eval_id"] == "e1"
    assert verdict.loc[0, "ngram_overlap"] == 1.0


def test_same_template_with_other_numbers_is_not_contamination():
    verdict = score(["James shares 15 apples equally among 5 friends. How many apples does each friend get?"])
    assert not verdict.loc[0, "contaminated"]


def test_a_rephrasing_is_caught_by_embedding_similarity():
    verdict = score(["Which capital city belongs to the country that hosted the first modern Olympic games?"], embedding_threshold=0.7)
    assert verdict.loc[0, "contaminated"]
    assert verdict.loc[0, "ngram_overlap"] < 0.5
    assert verdict.loc[0, "nearest_eval_id"] == "e2"


def test_unrelated_text_passes_and_rows_keep_input_order():
    verdict = score(["Write a haiku about autumn leaves.", "James shares 12 apples equally among 3 friends. How many apples does each friend get?"])
    assert verdict["contaminated"].tolist() == [False, True]
