"""The user command's contract: paths in, metrics JSON out; a failing or contract-breaking command refuses."""

import json
import sys
from pathlib import Path

import pandas as pd
import pytest

from schemas import records as col
from schemas.spec_evaluation import Evaluation
from tasks.evaluate.bootstrap import promotes
from tasks.evaluate.command import CommandFailed, command_argv, compare_reported, run_command
from tasks.evaluate.gate import evaluate_version
from tasks.versions.store import SPLIT_FILES

# Reads the version and the test set it is given, and answers with per-item 0/1 scores for both arms.
EVALUATOR = """
import json, sys
import pandas as pd
version, test_set, metrics = sys.argv[1:4]
train = pd.read_parquet(version + "/data/train-00000-of-00001.parquet")
items = [json.loads(line) for line in open(test_set)]
blend = [1] * len(items) if (train["source"] == "synthetic").any() else [0] * len(items)
real = [1, 0] * (len(items) // 2)
json.dump({"metric": "exact_match", "blend": sum(blend) / len(items), "real_only": sum(real) / len(items),
           "per_item": {"blend": blend, "real_only": real}, "model": "tiny"}, open(metrics, "w"))
"""


@pytest.fixture
def version(tmp_path) -> Path:
    folder = tmp_path / "version"
    (folder / "data").mkdir(parents=True)
    pd.DataFrame({col.SOURCE: ["real", "synthetic"], col.INSTRUCTION: ["x", "y"]}).to_parquet(
        folder / SPLIT_FILES["train"]
    )
    return folder


@pytest.fixture
def test_set(tmp_path) -> Path:
    path = tmp_path / "test.jsonl"
    path.write_text("".join(json.dumps({"id": f"t{i}", "text": f"item {i}", "label": "a"}) + "\n" for i in range(6)))
    return path


def settings(test_set: Path, command: list[str], **extra) -> Evaluation:
    return Evaluation(test_set=test_set, proxy="none", command=command, bootstrap_samples=200, **extra)


def test_placeholders_become_single_arguments():
    argv = command_argv(["eval", "--data={version}", "{test_set}", "{metrics}"], Path("/v 1"), Path("/t"), Path("/m"))
    assert argv == ["eval", "--data=/v 1", "/t", "/m"]


def test_a_command_judges_the_version_with_a_paired_interval(tmp_path, version, test_set):
    script = tmp_path / "evaluator.py"
    script.write_text(EVALUATOR)
    result = evaluate_version(
        settings(test_set, [sys.executable, str(script), "{version}", "{test_set}", "{metrics}"]), version, embed=None
    )
    judge = result["judges"]["command"]
    assert result["promoted"] and judge["promote"] and result["plot"] is None
    assert judge["metric"] == "exact_match" and judge["baseline"] == 0.5 and judge["blend"] == 1.0
    assert judge["difference"] == 0.5 and 0 <= judge["ci"][0] <= judge["ci"][1] <= 1
    assert judge["reported"] == {"model": "tiny"}
    assert result["message"].startswith("evaluation: command: blend exact_match 1.000 vs real-only 0.500")


def test_a_failing_command_refuses_promotion_and_says_why(version, test_set):
    command = [sys.executable, "-c", "import sys; sys.exit('no GPU here')"]
    result = evaluate_version(settings(test_set, command), version, embed=None)
    assert not result["promoted"]
    assert "exited 1: no GPU here" in result["judges"]["command"]["error"]
    assert result["message"].endswith("version published, LATEST unchanged")


def test_metrics_printed_on_stdout_are_read_and_lower_is_better_is_honoured(version, test_set):
    line = json.dumps({"metric": "perplexity", "higher_is_better": False, "blend": 9.0, "real_only": 8.0})
    metrics, _ = run_command([sys.executable, "-c", f"print('training...'); print({line!r})"], version, test_set, 30)
    name, comparison = compare_reported(metrics, items=6, samples=100, confidence=0.95, seed=0)
    assert name == "perplexity" and comparison.difference == -1.0 and comparison.samples == 0


@pytest.mark.parametrize(
    ("metrics", "error"),
    [
        ({"blend": 1}, "KeyError"),
        ({"metric": "acc", "per_item": {"blend": [1], "real_only": [1]}}, "KeyError"),  # the scores are required
        (
            {"metric": "acc", "blend": 1, "real_only": 1, "per_item": {"blend": [1], "real_only": [1]}},
            "1 and 1 scores for 6 test items",
        ),
        (  # a per-item list that is not what the command reported is not silently taken instead
            {"metric": "f1", "blend": 0.9, "real_only": 0.0, "per_item": {"blend": [1, 0] * 3, "real_only": [0] * 6}},
            "blend is 0.9 but the mean of per_item.blend is 0.5",
        ),
    ],
)
def test_metrics_that_break_the_contract_fail(metrics, error):
    with pytest.raises(CommandFailed, match=error):
        compare_reported(metrics, items=6, samples=100, confidence=0.95, seed=0)


def test_reported_scores_may_be_their_per_item_means_rounded():
    metrics = {
        "metric": "acc",
        "blend": 0.67,
        "real_only": 0.33,
        "per_item": {"blend": [1, 1, 0] * 2, "real_only": [1, 0, 0] * 2},
    }
    _, comparison = compare_reported(metrics, items=6, samples=100, confidence=0.95, seed=0)
    assert comparison.blend == pytest.approx(2 / 3) and comparison.baseline == pytest.approx(1 / 3)


@pytest.mark.parametrize("correct", [1, 3, 5, 7])
def test_a_mean_half_way_between_two_decimals_may_be_rounded_either_way(correct):
    blend = [1] * correct + [0] * (8 - correct)  # 0.125, 0.375, 0.625, 0.875: each rounds to a float just past 0.005
    for rounded in (round(correct / 8, 2), float(f"{correct / 8 + 1e-9:.2f}")):  # half to even, and half up
        metrics = {
            "metric": "acc",
            "blend": rounded,
            "real_only": 0.0,
            "per_item": {"blend": blend, "real_only": [0] * 8},
        }
        _, comparison = compare_reported(metrics, items=8, samples=100, confidence=0.95, seed=0)
        assert comparison.blend == correct / 8


def test_a_command_that_runs_too_long_is_stopped(version, test_set):
    with pytest.raises(CommandFailed, match="timed out"):
        run_command([sys.executable, "-c", "import time; time.sleep(30)"], version, test_set, timeout=0.5)


def test_a_reported_interval_is_turned_around_with_the_difference_when_lower_is_better():
    # blend's loss is worse by 1.0: the interval of blend - real_only, [0.5, 1.5], must not promote it
    metrics = {"metric": "loss", "higher_is_better": False, "blend": 2.0, "real_only": 1.0, "difference_ci": [0.5, 1.5]}
    _, comparison = compare_reported(metrics, items=6, samples=100, confidence=0.95, seed=0)
    assert comparison.difference == -1.0 and comparison.ci == (-1.5, -0.5)
    assert not promotes(comparison, tolerance=0.02, rule="ci_lower_bound")


def test_a_reported_interval_that_misses_the_difference_breaks_the_contract():
    metrics = {"metric": "loss", "higher_is_better": False, "blend": 1.0, "real_only": 2.0, "difference_ci": [0.5, 1.5]}
    with pytest.raises(CommandFailed, match="does not contain blend - real_only"):
        compare_reported(metrics, items=6, samples=100, confidence=0.95, seed=0)
