"""The evaluation section of a spec: its test set becomes an eval set, and something must judge."""

import pytest

from schemas.spec import SpecError, load_spec
from schemas.spec_evaluation import TEST_SET_EVAL_NAME
from tests.helpers.spec_factory import write_spec


def spec_with(tmp_path, **evaluation):
    return load_spec(write_spec(tmp_path, evaluation={"test_set": "test.jsonl", **evaluation}))


def test_the_test_set_is_registered_as_an_eval_set(tmp_path):
    spec = spec_with(tmp_path, text_field="message")
    added = spec.eval_sets[-1]
    assert [e.name for e in spec.eval_sets] == ["evalset", TEST_SET_EVAL_NAME] and added.text_field == "message"
    assert spec.evaluation is not None and added.path == spec.evaluation.test_set == (tmp_path / "test.jsonl")


def test_a_test_set_already_registered_is_not_added_twice(tmp_path):
    spec = load_spec(write_spec(tmp_path, evaluation={"test_set": "./eval.jsonl"}))
    assert [e.name for e in spec.eval_sets] == ["evalset"]


def test_registration_can_be_turned_off(tmp_path):
    assert [e.name for e in spec_with(tmp_path, register_as_eval_set=False).eval_sets] == ["evalset"]


@pytest.mark.parametrize(
    ("evaluation", "message"),
    [
        ({"proxy": "none"}, "proxy none needs a command"),
        ({"sweep": [0.5, 1.0]}, "shares must be in"),
        ({"metric": "bleu"}, "evaluation.metric"),
    ],
)
def test_bad_evaluation_sections_fail_naming_the_field(tmp_path, evaluation, message):
    with pytest.raises(SpecError, match=message):
        spec_with(tmp_path, **evaluation)


def test_a_spec_without_evaluation_has_none(tmp_path):
    assert load_spec(write_spec(tmp_path)).evaluation is None
