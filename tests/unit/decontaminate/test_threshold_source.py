from types import SimpleNamespace

from schemas.spec import Decontamination
from tasks.decontaminate.contamination import threshold_source
from tasks.decontaminate.eval_index import MIN_CALIBRATION_ITEMS


def evals_of(items: int) -> SimpleNamespace:
    return SimpleNamespace(ids=[f"e{i}" for i in range(items)])


def test_a_small_eval_set_says_its_false_positive_rate_is_not_read():
    said = threshold_source(evals_of(MIN_CALIBRATION_ITEMS - 1), Decontamination(false_positive_rate=0.05))
    assert said.startswith(f"the pair model's small_eval_set operating point: {MIN_CALIBRATION_ITEMS - 1} eval items")
    assert "false_positive_rate" in said and "not read" in said


def test_a_calibrated_set_and_a_set_threshold_say_so():
    assert threshold_source(evals_of(MIN_CALIBRATION_ITEMS), Decontamination(false_positive_rate=0.01)) == (
        f"calibrated on the {MIN_CALIBRATION_ITEMS} eval items and their number twins at false_positive_rate 0.01"
    )
    assert threshold_source(evals_of(20), Decontamination(score_threshold=0.8)) == "score_threshold, as set"
