"""The command-line contracts other tools rely on, and a build whose batch gate fails."""

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from flows.cli import app
from tests.helpers.spec_factory import write_spec

pytestmark = pytest.mark.usefixtures("prefect_api")

runner = CliRunner()


def test_check_contamination_writes_one_verdict_per_candidate_in_order(tmp_path):
    (tmp_path / "eval.jsonl").write_text(
        json.dumps(
            {
                "id": "q1",
                "text": "James shares 12 apples equally among 3 friends. How many apples does each friend get?",
            }
        )
        + "\n"
        + json.dumps({"id": "q2", "text": "Which planet in our solar system has the most moons orbiting it?"})
        + "\n"
    )
    pd.DataFrame(
        {
            "prompt": [
                "Write a limerick about a cat who loves cheese.",
                "James shares 12 apples equally among 3 friends. How many apples does each friend get?",
                "Which planet of the solar system has the largest number of moons orbiting it?",
            ]
        }
    ).to_csv(tmp_path / "candidates.csv", index=False)
    out = tmp_path / "verdicts.parquet"
    result = runner.invoke(
        app,
        [
            "check-contamination",
            "--eval",
            str(tmp_path / "eval.jsonl"),
            "--candidates",
            str(tmp_path / "candidates.csv"),
            "--field",
            "prompt",
            "--eval-field",
            "text",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    verdicts = pd.read_parquet(out)
    # A two-item set is too small to calibrate: the pair model's small-set point (0.898) applies. The number-free
    # rephrasing (cosine 0.94) scores 0.899 and is flagged; before the model read any changed number its point was
    # 0.916 and it scored 0.85 (docs/detection.md, thirteenth round).
    assert verdicts["contaminated"].tolist() == [False, True, True]
    assert verdicts["nearest_eval_id"].tolist()[1:] == ["eval:q1", "eval:q2"]
    assert verdicts["score"].iloc[2] > 0.8 > verdicts["score"].iloc[0]
    assert verdicts["prompt"].tolist()[0].startswith("Write a limerick")


def test_check_contamination_names_a_missing_field(tmp_path):
    (tmp_path / "eval.jsonl").write_text(json.dumps({"id": "q1", "text": "x"}) + "\n")
    (tmp_path / "c.jsonl").write_text(json.dumps({"body": "x"}) + "\n")
    result = runner.invoke(
        app,
        [
            "check-contamination",
            "--eval",
            str(tmp_path / "eval.jsonl"),
            "--candidates",
            str(tmp_path / "c.jsonl"),
            "--field",
            "prompt",
            "--out",
            str(tmp_path / "o.jsonl"),
        ],
    )
    assert result.exit_code == 2 and "no column 'prompt'" in result.output
    assert not (tmp_path / "o.jsonl").exists()


def test_a_missing_file_is_named_with_its_option(tmp_path):
    (tmp_path / "rows.jsonl").write_text(json.dumps({"id": "q1", "text": "x"}) + "\n")
    rows, out, missing = str(tmp_path / "rows.jsonl"), str(tmp_path / "o.jsonl"), str(tmp_path / "nope.jsonl")
    check = ["check-contamination", "--field", "text", "--out", out]
    for args, said in (
        (check + ["--eval", missing, "--candidates", rows], "--eval"),
        (check + ["--eval", rows, "--candidates", missing], "--candidates"),
        (["dedup", "--field", "text", "--out", out, "--input", missing], "--input"),
        (["dedup", "--field", "text", "--out", out, "--input", rows, "--against", missing], "--against"),
    ):
        result = runner.invoke(app, args)
        assert result.exit_code == 2 and f"{said} {missing}: file not found" in result.output, result.output
        assert not (tmp_path / "o.jsonl").exists()


def test_dedup_marks_duplicates_in_order(tmp_path):
    rows = [
        {"id": "a", "text": "Translate 'good morning' into French."},
        {"id": "b", "text": "translate 'GOOD morning' into french!"},
        {"id": "c", "text": "List three uses of a paperclip."},
        {"id": "d", "text": "List 3 uses of a paperclip."},
        {"id": "e", "text": "Explain how a rainbow forms."},
    ]
    (tmp_path / "in.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    result = runner.invoke(
        app, ["dedup", "--input", str(tmp_path / "in.jsonl"), "--field", "text", "--out", str(tmp_path / "out.jsonl")]
    )
    assert result.exit_code == 0, result.output
    out = pd.read_json(tmp_path / "out.jsonl", lines=True)
    assert out["id"].tolist() == ["a", "b", "c", "d", "e"]
    assert out["duplicate_of"].isna().tolist() == [True, False, True, False, True]
    assert out.loc[1, "duplicate_of"] == "a" and out.loc[1, "duplicate_reason"] == "exact_duplicate"
    # "three uses" and "3 uses": the same task, numbers written otherwise (also respelling "paper clip" leaves the
    # cosine at 0.85 and the pair below the dedup operating point: docs/detection.md, limits)
    assert out.loc[3, "duplicate_of"] == "c"


def test_dedup_against_earlier_rows_names_the_earlier_row(tmp_path):
    story = (
        "Explain how a rainbow forms after rain, step by step, using sunlight, droplets, refraction and reflection, "
        "for a curious child of eight"
    )
    earlier = [{"id": "old-1", "text": story + "."}]
    rows = [
        {"id": "n1", "text": story + "!"},
        {"id": "n2", "text": story + " years."},
        {"id": "n3", "text": story.replace("eight", "ten") + "."},
        {"id": "n4", "text": "Give two reasons the sky looks blue at noon."},
    ]
    (tmp_path / "old.jsonl").write_text("".join(json.dumps(r) + "\n" for r in earlier))
    (tmp_path / "in.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    args = [
        "dedup",
        "--input",
        str(tmp_path / "in.jsonl"),
        "--field",
        "text",
        "--out",
        str(tmp_path / "out.jsonl"),
        "--against",
        str(tmp_path / "old.jsonl"),
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    out = pd.read_json(tmp_path / "out.jsonl", lines=True)
    assert out["duplicate_of"].tolist()[:2] == ["old-1", "old-1"]
    assert out["duplicate_reason"].tolist()[:2] == ["exact_duplicate", "lexical_near_duplicate"]
    assert out["duplicate_of"].isna().tolist()[2:] == [True, True]  # another number, another topic


def test_a_failing_batch_gate_fails_the_build_and_publishes_nothing(tmp_path):
    unique = {
        "type": "expect_column_proportion_of_unique_values_to_be_between",
        "kwargs": {"column": "instruction", "min_value": 0.99},
        "meta": {"reason": "gx_batch_instruction_diversity"},
    }
    spec = write_spec(tmp_path, gates={"expectations": [unique]})
    result = runner.invoke(app, ["build", str(spec), "--data-root", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert "gx_batch_instruction_diversity" in result.output
    published = (
        [p for p in (tmp_path / "out" / "tiny").iterdir() if not p.name.startswith(".")]
        if (tmp_path / "out" / "tiny").exists()
        else []
    )
    assert published == []


def test_a_reject_rate_above_the_maximum_fails_the_build(tmp_path):
    strict = {
        "expectations": [
            {"type": "expect_column_value_lengths_to_be_between", "kwargs": {"column": "instruction", "max_value": 5}}
        ],
        "max_reject_rate": 0.5,
    }
    result = runner.invoke(
        app, ["build", str(write_spec(tmp_path, gates=strict)), "--data-root", str(tmp_path / "out")]
    )
    assert result.exit_code == 1 and "gx_reject_rate" in result.output and "6 of 6" in result.output


def test_final_expectations_judge_the_rows_that_survived(tmp_path):
    final = [
        {
            "type": "expect_table_row_count_to_be_between",
            "kwargs": {"min_value": 100},
            "meta": {"reason": "gx_final_row_count"},
        }
    ]
    result = runner.invoke(
        app,
        ["build", str(write_spec(tmp_path, gates={"final_expectations": final})), "--data-root", str(tmp_path / "out")],
    )
    assert result.exit_code == 1 and "gx_final_row_count" in result.output
    said = " ".join(result.output.split())
    assert "kwargs {'min_value': 100}" in said and "batch_id" not in said  # the spec's kwargs, not GX's own


def test_show_names_a_folder_that_is_not_a_version(tmp_path):
    result = runner.invoke(app, ["show", str(tmp_path)])
    assert result.exit_code == 2 and "not a published version" in result.output


def test_a_budget_stop_is_one_clear_line_and_publishes_nothing(tmp_path, monkeypatch):
    from tests.helpers.fake_anthropic import FakeAnthropic

    generator = {
        "backend": "anthropic",
        "rows": 20,
        "model": "claude-test",
        "prompt_id": "p",
        "category": "c",
        "system_prompt": "s",
        "prompt": "topic={{ t }} mode=ok",
        "samplers": {"t": {"type": "category", "values": {"tides": 1, "jazz": 1}}},
        "prices": {"input": 100_000.0, "output": 100_000.0},
        "budget": {"max_usd": 1.0, "preview_rows": 2},
        "concurrency": 1,
        "max_concurrency": 1,
    }
    spec = write_spec(tmp_path, generator=generator)
    with FakeAnthropic() as fake:
        monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test")
        monkeypatch.setenv("ANTHROPIC_BASE_URL", fake.url)
        result = runner.invoke(app, ["build", str(spec), "--data-root", str(tmp_path / "out")])
    assert result.exit_code == 1 and "generation stopped" in result.output and "of the $1.0000 cap" in result.output
    assert not [p for p in (tmp_path / "out" / "tiny").iterdir() if not p.name.startswith(".")]


@pytest.mark.parametrize(
    "command, option, value, named",
    [
        ("check-contamination", "--false-positive-rate", "2", "--false-positive-rate: Input should be less than 1"),
        ("check-contamination", "--score-threshold", "-3", "--score-threshold: Input should be greater than 0"),
        ("check-contamination", "--ngram-threshold", "0", "--ngram-threshold: Input should be greater than 0"),
        ("dedup", "--threshold", "1.5", "--threshold: Input should be less than 1"),
        ("dedup", "--minhash-threshold", "2", "--minhash-threshold: Input should be less than or equal to 1"),
    ],
)
def test_a_bad_option_value_is_one_line_naming_the_option_and_writes_nothing(tmp_path, command, option, value, named):
    rows = str(tmp_path / "rows.jsonl")
    (tmp_path / "rows.jsonl").write_text(json.dumps({"id": "q1", "prompt": "What is two plus two?"}) + "\n")
    given = ["--input", rows] if command == "dedup" else ["--eval", rows, "--candidates", rows]
    args = [command, *given, "--field", "prompt", "--out", str(tmp_path / "o.jsonl"), option, value]
    result = runner.invoke(app, [*args, "--cache-dir", str(tmp_path / "cache")])
    assert result.exit_code == 2, result.output
    assert result.stderr.strip().splitlines() == [f"error: {named}"]
    assert not (tmp_path / "o.jsonl").exists() and not (tmp_path / "cache").exists()


def test_check_contamination_with_a_judge_and_no_api_key_fails_before_any_work(tmp_path, monkeypatch):
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    (tmp_path / "eval.jsonl").write_text(json.dumps({"id": "q1", "prompt": "What is two plus two?"}) + "\n")
    args = ["check-contamination", "--eval", str(tmp_path / "eval.jsonl"), "--candidates", str(tmp_path / "eval.jsonl")]
    args += ["--field", "prompt", "--out", str(tmp_path / "o.jsonl"), "--judge-model", "claude-haiku-4-5"]
    args += ["--cache-dir", str(tmp_path / "cache")]  # scoring would have made it
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert "--judge-model" in result.output and "ANTHROPIC_API_KEY" in result.output
    assert not (tmp_path / "o.jsonl").exists() and not (tmp_path / "cache").exists()


@pytest.mark.parametrize("command", ["dedup", "check-contamination"])
def test_an_unknown_embedding_backend_is_named_with_the_choices(tmp_path, command):
    rows = str(tmp_path / "rows.jsonl")
    (tmp_path / "rows.jsonl").write_text(json.dumps({"id": "q1", "text": "What is two plus two?"}) + "\n")
    given = ["--input", rows] if command == "dedup" else ["--eval", rows, "--candidates", rows]
    args = [command, *given, "--field", "text", "--out", str(tmp_path / "o.jsonl"), "--backend", "bogus"]
    result = runner.invoke(app, args)
    assert result.exit_code == 2 and "--backend" in result.output and "onnx-int8" in result.output
    assert not (tmp_path / "o.jsonl").exists()


def test_quarantine_refuses_a_negative_number_of_examples(tmp_path):
    result = runner.invoke(app, ["quarantine", str(tmp_path), "--examples", "-1"])
    assert result.exit_code == 2 and "--examples" in result.output
