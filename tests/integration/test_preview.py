"""`synthfactory preview`: a few rows generated and verified, each with its verdict, the full build's cost, and
nothing written under the data root."""

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import app
from synthfactory import preview
from tests.helpers.bad_input import tree
from tests.helpers.fake_anthropic import JUDGE_SCORES, FakeAnthropic
from tests.helpers.spec_factory import llm_generator, write_spec

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "deployments" / "specs" / "demo.yaml"


def test_preview_of_the_demo_gives_each_row_a_verdict_and_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the demo's default data root is ./data
    before = tree(ROOT / "deployments")
    result = preview(DEMO, rows=12, overrides={"publish.data_root": str(tmp_path / "out")})
    assert len(result.rows) == 12 and set(result.rows["verdict"]) == {"kept", "rejected"}
    # docs/cli.md names these columns
    assert list(result.rows.columns) == [
        "id",
        "instruction",
        "input",
        "output",
        "category",
        "verdict",
        "stage",
        "reason",
        "detail",
    ]
    rejected = result.rows[result.rows["verdict"] == "rejected"]
    kept = result.rows[result.rows["verdict"] == "kept"]
    assert rejected["reason"].notna().all() and kept["reason"].isna().all()
    # The demo's off-by-one template: every give_away row fails the arithmetic validator.
    give_away = result.rows["instruction"].str.contains("gives .* of them away")
    assert give_away.any() and (result.rows.loc[give_away, "reason"] == "arithmetic_wrong").all()
    assert result.cost == {"rows": 600, "preview_usd": 0.0, "usd": 0.0, "note": "no LLM calls"}
    assert list(tmp_path.iterdir()) == [] and tree(ROOT / "deployments") == before


def test_preview_command_prints_rows_verdicts_and_cost(tmp_path):
    spec = write_spec(tmp_path, publish={"data_root": str(tmp_path / "out")})
    result = CliRunner().invoke(app, ["preview", str(spec), "--rows", "3"])
    assert result.exit_code == 0, result.output
    assert result.stdout.count("Count to") == 3 and result.stdout.count("kept") >= 3
    assert "3 of 3 rows kept; estimated cost of the full build (6 rows): $0.00" in result.stdout
    assert not (tmp_path / "out").exists()


def test_preview_of_a_bad_spec_exits_2(tmp_path):
    spec = write_spec(tmp_path, **{"generator.templates.0.output": "{{ m }}"})
    result = CliRunner().invoke(app, ["preview", str(spec)])
    assert result.exit_code == 2 and "no sampler defines" in result.stderr


def test_preview_with_claude_projects_the_cost_of_every_row(tmp_path, monkeypatch):
    generator = llm_generator(
        rows=40,
        prompt="topic={{ topic }} mode={{ mode }}",
        samplers={
            "topic": {"type": "category", "values": {"tides": 1, "jazz": 1}},
            "mode": {"type": "category", "values": {"ok": 1}},
        },
        prices={"input": 3.0, "output": 15.0},
        mode="batch",  # a preview asks online: a batch may take hours
    )
    spec = write_spec(tmp_path, generator=generator)
    with FakeAnthropic() as fake:
        monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test")
        monkeypatch.setenv("ANTHROPIC_BASE_URL", fake.url)
        result = preview(spec, rows=4)
    assert len(fake.requests) == 4 and not fake.batches
    assert (result.rows["verdict"] == "kept").all()
    assert all(re.search(r"Explain (tides|jazz)", text) for text in result.rows["instruction"])
    per_row = result.cost["preview_usd"] / 4
    assert per_row > 0 and result.cost["usd"] == pytest.approx(per_row * 40, abs=1e-4)


def test_preview_runs_the_judges_and_prices_them(tmp_path, monkeypatch):
    # From JUDGE_SCORES with threshold 3.5, band 0.5 and max disagreement 1 (as in tests/e2e/test_judges.py).
    decided = {"tides": None, "volcanoes": None, "glaciers": None, "photosynthesis": "needs_human_review"}
    decided |= {"compilers": "needs_human_review", "mortgages": "judge_low_score", "vaccines": "judge_low_score"}
    decided |= {"jazz": "judge_low_score"}
    judging = {
        "judges": [{"name": "a", "model": "judge-a"}, {"name": "b", "model": "judge-b"}],
        "threshold": 3.5,
        "band": 0.5,
        "max_disagreement": 1.0,
        "retry_base_seconds": 0.02,
        "prices": {m: {"input": 1.0, "output": 5.0} for m in ("judge-a", "judge-b")},
    }
    spec = write_spec(
        tmp_path,
        gates={"judging": judging},
        **{
            "generator.rows": 30,
            "generator.samplers": {"topic": {"type": "category", "values": {t: 1 for t in JUDGE_SCORES["judge-a"]}}},
            "generator.templates": [
                {
                    "id": "explain",
                    "category": "explanation",
                    "instruction": "Explain {{ topic }} to a new colleague in two sentences.",
                    "output": "{{ topic }} matters.",
                }
            ],
        },
    )
    with FakeAnthropic() as fake:
        monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test")
        monkeypatch.setenv("ANTHROPIC_BASE_URL", fake.url)
        result = preview(spec, rows=6)
    assert len(fake.requests) == 2 * result.rows["instruction"].nunique()  # two judges; the same request once
    for row in result.rows.to_dict("records"):
        expected = decided[row["instruction"].split()[1]]
        assert (row["verdict"], row["reason"]) == (("kept", None) if expected is None else ("rejected", expected))
    assert result.cost["preview_usd"] > 0 and result.cost["usd"] == pytest.approx(result.cost["preview_usd"] * 5)


@pytest.mark.parametrize(
    ("name", "columns", "reason"),
    [
        ("conversation", ["messages", "category"], None),
        ("preference", ["prompt", "chosen", "rejected", "category"], None),
        ("labelled", ["text", "label"], "category_not_allowed"),
        ("extraction", ["text", "extracted", "category"], "json_schema_violation"),
    ],
)
def test_preview_of_each_record_shows_its_declared_columns(tmp_path, name, columns, reason):
    spec = ROOT / "deployments" / "specs" / f"{name}.yaml"
    result = preview(spec, rows=12, overrides={"publish.data_root": str(tmp_path / "out")})
    assert list(result.rows.columns) == ["id", *columns, "verdict", "stage", "reason", "detail"]
    assert len(result.rows) == 12 and result.kept > 0
    if reason:  # each example spec has a template whose rows the record's gates refuse
        assert reason in set(result.rows["reason"].dropna())
    if name == "conversation":
        assert all(turn.keys() == {"role", "content"} for chat in result.rows["messages"] for turn in chat)
    assert not (tmp_path / "out").exists()


def test_preview_command_prints_a_chat_turn_by_turn():
    spec = ROOT / "deployments" / "specs" / "conversation.yaml"
    result = CliRunner().invoke(app, ["preview", str(spec), "--rows", "2"])
    assert result.exit_code == 0, result.output
    assert "user: " in result.stdout and "assistant: " in result.stdout and "2 of 2 rows kept" in result.stdout
