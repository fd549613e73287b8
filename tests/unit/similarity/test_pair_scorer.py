import json

import numpy as np
import pytest

from tasks.similarity.pair_features import FEATURES, idf_weights, pair_matrix, profile
from tasks.similarity.pair_scorer import MODEL_FILE, load_scorer, scorer_from_dict

ITEM = "A shop sells 3 pies a day. How many pies does it sell in 10 days?"


def features(candidate: str, reference: str = ITEM, cosine: float = 0.9) -> np.ndarray:
    profiles = [profile(candidate), profile(reference)]
    idf = idf_weights(p.tokens for p in profiles)
    return pair_matrix(profiles, profiles, np.array([[0, 1]]), np.array([[cosine, 0.5, 0.1]]), idf)[0]


def test_the_shipped_model_is_plain_json_with_its_training_hash_metrics_and_operating_points():
    model = json.loads(MODEL_FILE.read_text())
    assert set(model["features"]) <= set(FEATURES) and len(model["coef"]) == len(model["features"])
    assert len(model["training"]["data_sha256"]) == 24 and model["training"]["metrics_in_sample"]
    assert 0 < model["operating_points"]["dedup"] < 1 and 0 < model["operating_points"]["small_eval_set"] < 1


def test_numbers_are_graded_evidence_not_a_veto():
    scorer = load_scorer()
    spelled, shifted = (
        features("A shop sells three pies a day. How many pies does it sell in a decade?"),
        features(ITEM.replace("3", "4")),
    )
    assert spelled[FEATURES.index("numbers_forward")] == 0.5 and shifted[FEATURES.index("numbers_forward")] == 0.0
    same_cosine = scorer(np.stack([spelled, shifted]))
    assert same_cosine[0] > same_cosine[1] > 0.05  # other numbers lower the score; a very close text can still match
    assert scorer(features(ITEM.replace("3", "4"), cosine=0.999)[None])[0] > same_cosine[1]


def test_features_are_bounded_and_text_features_symmetric_in_meaning():
    row = features("How many pies does a shop selling 3 a day sell in 10 days?")
    assert np.all(np.isfinite(row)) and np.all(row[3:] >= -0.5) and np.all(row[3:] <= 1.0)


def test_a_model_reading_features_the_code_lacks_is_refused():
    model = json.loads(MODEL_FILE.read_text()) | {"features": ["cosine", "telepathy"]}
    with pytest.raises(ValueError, match="telepathy"):
        scorer_from_dict(model)


def test_one_changed_number_of_four_is_a_changed_problem_as_much_as_four():
    item = "Mariana buys 3 notebooks for $2.75 each and a pen for $1.40. She pays with a $20 bill."
    one = item.replace("3 notebooks", "4 notebooks")
    every = "Mariana buys 5 notebooks for $3.25 each and a pen for $1.10. She pays with a $50 bill."
    features = pair_matrix(
        [profile(one), profile(every)], [profile(item)], np.array([[0, 0], [1, 0]]), np.zeros((2, 3)), {}
    )
    share, changed = FEATURES.index("numbers_consistent"), FEATURES.index("numbers_changed")
    assert features[:, share].tolist() == [-0.25, -1.0]
    assert features[:, changed].tolist() == [-1.0, -1.0]
