"""The LLM judge of borderline contamination against the fake server: only rows near the threshold are asked,
its answer decides them, an unanswered row keeps the embedding decision, and a build publishes what it cleared."""

import json
from pathlib import Path

import pandas as pd
import pytest

from flows.build import build_dataset
from schemas import records as col
from schemas.spec import ContaminationJudge, Decontamination, SpecError, load_spec
from tasks.decontaminate.contamination import check_contamination
from tasks.decontaminate.eval_index import build_eval_index
from tests.helpers.fake_anthropic import FakeAnthropic
from tests.helpers.fake_embed import bag_of_words
from tests.helpers.spec_factory import llm_generator, write_spec

pytestmark = pytest.mark.usefixtures("prefect_api")

ITEMS = [
    "What is the boiling point of water at sea level on a calm day?",
    "Name the largest planet of the solar system.",
]
JUDGE = {
    "model": "judge-x",
    "band": 0.3,
    "requests_per_minute": 60_000,
    "retry_base_seconds": 0.02,
    "prices": {"judge-x": {"input": 1.0, "output": 5.0}},
}


def test_only_borderline_rows_are_asked_and_the_answer_decides_them(monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test-judge")
    evals = build_eval_index(["e1", "e2"], ITEMS, bag_of_words)
    texts = [
        ITEMS[0],  # a copy: n-grams decide, the judge is not asked
        "On a calm day at sea level, what is the point at which water is boiling, again?",
        "On a calm day at sea level, what is the point at which water is boiling, mumble?",
        "On a calm day at sea level, what is the point at which water is boiling, please?",
        "Write a limerick about a cat.",  # no eval item near: not asked
    ]
    with FakeAnthropic() as fake:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", fake.url)
        plain, _ = check_contamination(texts, evals, Decontamination(), bag_of_words)
        score = float(plain["score"][1])
        config = Decontamination(
            score_threshold=score, llm_judge=ContaminationJudge(**JUDGE)
        )  # rows 1-3 sit at the threshold
        verdicts, counts = check_contamination(texts, evals, config, bag_of_words)
        asked = [r for r in fake.requests if r.get("tool_choice", {}).get("name") == "same_item"]
    assert verdicts["judge"].tolist() == [None, "same", "unavailable", "different", None]
    assert verdicts["contaminated"].tolist() == [
        True,
        True,
        True,
        False,
        False,
    ]  # "mumble": the score reached the threshold
    assert counts["asked"] == 3 == len(asked) and {r["model"] for r in asked} == {"judge-x"}
    assert (counts["same"], counts["different"], counts["unavailable"]) == (1, 1, 1) and counts["llm"]["spent_usd"] > 0


def test_the_judge_must_not_be_the_generators_model(tmp_path):
    generator = llm_generator(model="claude-x", prompt="Say hi.")
    spec = write_spec(tmp_path, generator=generator, decontamination={"llm_judge": {"model": "claude-x"}})
    with pytest.raises(SpecError, match="decontamination.llm_judge uses the generator's model claude-x"):
        load_spec(spec)


def test_a_build_publishes_the_rows_the_judge_cleared(tmp_path, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test-judge")
    template = [
        {
            "id": "ask",
            "category": "qa",
            "instruction": "At sea level, water boils at which temperature{{ tail }}",
            "output": "100 C",
        }
    ]
    spec = write_spec(
        tmp_path,
        decontamination={"llm_judge": {**JUDGE, "band": 5.0}},  # every row with a near eval item is asked
        dedup={"minhash_threshold": None, "near_duplicate_threshold": 0.999},  # keep both phrasings
        **{
            "generator.rows": 8,
            "generator.samplers": {"tail": {"type": "category", "values": {"?": 1, ", again?": 1}}},
            "generator.templates": template,
            "blend.max_synthetic_share": 0.9,
        },
    )
    with FakeAnthropic() as fake:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", fake.url)
        result = build_dataset(str(spec), str(tmp_path / "out"))
    version = Path(result["path"])
    manifest = json.loads((version / "manifest.json").read_text())
    judge = manifest["inputs"]["contamination_llm_judge"]
    assert judge["asked"] >= 2 and judge["same"] >= 1 and judge["different"] >= 1
    quarantine = pd.read_parquet(version / "quarantine")
    hits = quarantine[quarantine[col.REASON] == "eval_contamination"]
    assert (
        len(hits)
        and hits[col.INSTRUCTION].str.contains("again").all()
        and hits[col.DETAIL].str.contains("judge=same").all()
    )
    data = pd.read_parquet(version / "data")
    cleared = data[data[col.INSTRUCTION].str.startswith("At sea level")]
    assert len(cleared) and not cleared[col.INSTRUCTION].str.contains("again").any()
    assert manifest["eval_isolation"]["hits_in_output"] == 0
