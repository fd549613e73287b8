"""The verdict line states the bound the rule compared against, as a number a reader can check."""

from pathlib import Path

from schemas.spec_evaluation import Evaluation
from tasks.evaluate.bootstrap import Comparison
from tasks.evaluate.gate import verdict

COMPARISON = Comparison(baseline=0.911, blend=0.928, difference=0.017, ci=(-0.015, 0.054), confidence=0.95, samples=10)


def line(tolerance: float) -> str:
    settings = Evaluation(test_set=Path("test.jsonl"), tolerance=tolerance)
    return verdict("proxy", "macro_f1", COMPARISON, settings)["verdict"]


def test_zero_tolerance_bound_reads_zero_not_minus_zero():
    assert line(0.0).endswith("CI low end -0.015 < 0")


def test_default_tolerance_bound_is_negative():
    assert line(0.02).endswith("CI low end -0.015 >= -0.02")


def test_a_reported_interval_is_printed_not_called_missing():
    reported = Comparison(baseline=1.0, blend=2.0, difference=1.0, ci=(0.5, 1.5), confidence=0.95, samples=0)
    settings = Evaluation(test_set=Path("test.jsonl"))
    assert "(95% CI +0.500..+1.500)" in verdict("command", "score", reported, settings)["verdict"]
