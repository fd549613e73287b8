"""LLM judges against the fake server: agreement accepts or rejects, disagreement and near-threshold scores go
to human review, and recorded human verdicts decide those rows on the next build."""

import json
from pathlib import Path

import pandas as pd
import pytest

from flows.build import build_dataset
from schemas import records as col
from tasks.publish.assemble import REVIEW_FILE
from tests.helpers.fake_anthropic import JUDGE_SCORES, FakeAnthropic
from tests.helpers.spec_factory import write_spec

pytestmark = pytest.mark.usefixtures("prefect_api")

TOPICS = list(JUDGE_SCORES["judge-a"])
# From JUDGE_SCORES with threshold 3.5, band 0.5, max disagreement 1: the decision for each topic.
EXPECTED = {
    "tides": "accept",
    "volcanoes": "accept",
    "glaciers": "accept",
    "photosynthesis": "review",
    "compilers": "review",
    "mortgages": "reject",
    "vaccines": "reject",
    "jazz": "reject",
}
TEMPLATE = [
    {
        "id": "explain",
        "category": "explanation",
        "instruction": "Explain {{ topic }} to a new colleague in two sentences.",
        "output": "{{ topic }} matters.",
    }
]


def spec_with_judges(tmp_path, **extra):
    judging = {
        "judges": [{"name": "a", "model": "judge-a"}, {"name": "b", "model": "judge-b"}],
        "threshold": 3.5,
        "band": 0.5,
        "max_disagreement": 1.0,
        "requests_per_minute": 60_000,
        "retry_base_seconds": 0.02,
        "prices": {m: {"input": 1.0, "output": 5.0} for m in ("judge-a", "judge-b")},
    }
    return write_spec(
        tmp_path,
        gates={"judging": judging, **extra},
        **{
            "generator.rows": 24,
            "generator.samplers": {"topic": {"type": "category", "values": {t: 1 for t in TOPICS}}},
            "generator.templates": TEMPLATE,
            "blend.max_synthetic_share": 0.9,
        },
        dedup={"near_duplicate_threshold": 0.999},
    )


def topic_of(instruction: str) -> str:
    return instruction.split()[1]


def test_judges_accept_reject_and_queue_for_review_then_human_verdicts_decide(tmp_path, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test-judge")
    with FakeAnthropic() as fake:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", fake.url)
        first = build_dataset(str(spec_with_judges(tmp_path)), str(tmp_path / "out"))
        judge_requests = len(fake.requests)
        version = Path(first["path"])
        quarantine = pd.read_parquet(version / "quarantine")
        data = pd.read_parquet(version / "data")
        synthetic = data[data[col.SOURCE] == col.SOURCE_SYNTHETIC]
        assert {EXPECTED[topic_of(t)] for t in synthetic[col.INSTRUCTION]} <= {"accept"}
        assert synthetic[col.JUDGE_SCORE].notna().all()
        rejected = quarantine[quarantine[col.REASON] == "judge_low_score"]
        review = quarantine[quarantine[col.REASON] == "needs_human_review"]
        assert {EXPECTED[topic_of(t)] for t in rejected[col.INSTRUCTION]} == {"reject"}
        assert {EXPECTED[topic_of(t)] for t in review[col.INSTRUCTION]} == {"review"}
        queue = pd.read_parquet(version / REVIEW_FILE)
        assert len(queue) >= 2
        assert sorted(queue[col.ID]) == sorted(review[col.ID]) and {"judge_a", "judge_b", "disagreement"} <= set(
            queue.columns
        )
        manifest = json.loads((version / "manifest.json").read_text())
        stats = manifest["review"]
        assert stats["llm"]["spent_usd"] > 0 and stats["llm"]["requests"] == judge_requests
        assert stats["judged"] == stats["accept"] + stats["reject"] + stats["review"]
        # 24 rows over 8 topics repeat records: each distinct record is sent once per judge.
        assert judge_requests == 2 * len({topic_of(t) for t in pd.concat([synthetic, quarantine])[col.INSTRUCTION]})
        assert (stats["reject"], stats["review"]) == (len(rejected), len(review))
        assert stats["accept"] == len(synthetic) + first["counts"]["quarantined"]["by_reason"].get("exact_duplicate", 0)
        assert "Rows waiting for a human" in (version / "README.md").read_text()

        # A reviewer accepts the first queued row and rejects the rest; the next build follows them.
        verdicts = pd.DataFrame(
            {col.ID: queue[col.ID], "verdict": ["accept"] + ["reject"] * (len(queue) - 1), "reviewer": "dana"}
        )
        verdicts.to_csv(tmp_path / "verdicts.csv", index=False)
        second = build_dataset(
            str(spec_with_judges(tmp_path, human_verdicts=str(tmp_path / "verdicts.csv"))), str(tmp_path / "out")
        )
    reasons = second["counts"]["quarantined"]["by_reason"]
    assert reasons.get("needs_human_review", 0) == 0 and reasons["human_rejected"] == len(queue) - 1
    published = pd.read_parquet(Path(second["path"]) / "data")
    assert queue[col.ID].iloc[0] in set(published[col.ID])
