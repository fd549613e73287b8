"""The anthropic backend through a real flow run against a fake Messages API on 127.0.0.1."""

import json
import re
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
import yaml

from flows.build import build_dataset
from schemas import records as col
from tasks.stage_progress import Silent, listening
from tasks.versions.store import QUARANTINE_FILE
from tests.helpers.fake_anthropic import FakeAnthropic
from tests.helpers.spec_factory import write_spec

pytestmark = pytest.mark.usefixtures("prefect_api")


class ProgressRecorder(Silent):
    def __init__(self):
        self.rows, self.stages = [], []

    def advanced(self, stage, done, total, llm):
        self.rows.append((done, total, llm))

    def finished(self, stage, summary):
        self.stages.append(stage)


REASON_OF_MODE = {
    "no_tool": "llm_no_tool_call",
    "truncated": "llm_truncated",
    "invalid": "llm_invalid_record",
    "error": "llm_request_failed",
}
TOPICS = ["tides", "volcanoes", "photosynthesis", "mortgages", "compilers", "vaccines", "glaciers", "jazz"]


def test_anthropic_backend_builds_and_quarantines_bad_replies(tmp_path, monkeypatch):
    generator = {
        "backend": "anthropic",
        "rows": 24,
        "seed": 5,
        "model": "claude-test-model",
        "prompt_id": "explain_topic",
        "category": "explanation",
        "system_prompt": "You write training data.",
        "prompt": "topic={{ topic }} mode={{ mode }}",
        "samplers": {
            "topic": {"type": "category", "values": {t: 1 for t in TOPICS}},
            "mode": {"type": "category", "values": {"ok": 4, "no_tool": 1, "truncated": 1, "invalid": 1, "error": 1}},
        },
        "concurrency": 4,
        "prices": {"input": 3.0, "output": 15.0},
    }
    spec = write_spec(tmp_path, generator=generator, **{"blend.max_synthetic_share": 0.9})
    with FakeAnthropic() as fake:
        monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test-secret-123")
        monkeypatch.setenv("ANTHROPIC_BASE_URL", fake.url)
        heard = ProgressRecorder()
        with listening(heard):
            result = build_dataset(str(spec), str(tmp_path / "out"))

    modes = Counter(re.search(r"mode=(\w+)", r["messages"][0]["content"]).group(1) for r in fake.requests)
    assert sum(modes.values()) == 24 and all(m in modes for m in REASON_OF_MODE)
    key = "sk-test-secret-123"
    assert all(h.get("x-api-key") == key or h.get("authorization") == f"Bearer {key}" for h in fake.headers)
    reasons = result["counts"]["quarantined"]["by_reason"]
    for mode, reason in REASON_OF_MODE.items():
        assert reasons[reason] == modes[mode]
    # The terminal's progress listener heard every row, with the spend so far, and every stage start and end.
    assert [done for done, _, _ in heard.rows] == list(range(1, 25)) and heard.rows[-1][1] == 24
    assert heard.rows[-1][2]["spent_usd"] == pytest.approx(result["stages"]["generate"]["facts"]["llm"]["spent_usd"])
    assert heard.stages == ["generate", "gates", "verify", "embed", "dedup", "decontaminate", "blend", "publish"]
    generated_ok = result["stages"]["generate"]["rows_out"]["synthetic"]
    assert generated_ok == modes["ok"]
    assert (
        result["counts"]["accounting"]["synthetic_published"] + result["counts"]["accounting"]["synthetic_quarantined"]
        == 24
    )

    version = Path(result["path"])
    quarantine = pd.read_parquet(version / QUARANTINE_FILE)
    assert (quarantine.loc[quarantine[col.STAGE] == "generate", col.MODEL] == "claude-test-model").all()
    for name in ("manifest.json", "spec.yaml"):
        assert "sk-test-secret-123" not in (version / name).read_text()
    manifest = json.loads((version / "manifest.json").read_text())
    assert manifest["spec"]["generator"]["model"] == "claude-test-model"
    llm = manifest["llm"]
    assert llm["requests"] == 24 - modes["error"] and llm["sent"] == 24 and llm["spent_usd"] > 0
    card = (version / "README.md").read_text()
    assert f"Generation cost ${llm['spent_usd']:.4f} for {llm['requests']} requests." in card
    published = pd.read_parquet(version / "data")
    synthetic = published[published[col.SOURCE] == col.SOURCE_SYNTHETIC]
    assert (
        (synthetic[col.COST_USD] > 0).all()
        and (synthetic[col.STOP_REASON] == "tool_use").all()
        and (synthetic[col.OUTPUT_TOKENS] == 20).all()
    )


SPECS = Path(__file__).resolve().parents[2] / "deployments" / "specs"


def test_a_claude_conversation_spec_builds_chats_typed_as_turns(tmp_path, monkeypatch):
    """The example conversation spec with Claude writing the chats: each published chat is a list of
    {role, content} in pandas, and a reply without its messages is quarantined naming the column."""
    spec = yaml.safe_load((SPECS / "conversation.yaml").read_text())
    for section in [spec["seed_data"], *spec["eval_sets"]]:
        section["path"] = str((SPECS / section["path"]).resolve())
    spec["generator"] = {
        "backend": "anthropic",
        "rows": 16,
        "seed": 8,
        "model": "claude-test-model",
        "prompt_id": "support_chat",
        "category": "account",
        "system_prompt": "You write customer-support conversations.",
        "prompt": "topic={{ topic }} n={{ n }} mode={{ mode }}",
        "samplers": {
            "topic": {"type": "category", "values": {t: 1 for t in TOPICS}},
            "n": {"type": "integer", "min": 1, "max": 10**6},
            "mode": {"type": "category", "values": {"ok": 3, "invalid": 1}},
        },
        "prices": {"input": 3.0, "output": 15.0},
    }
    path = tmp_path / "conversation.yaml"
    path.write_text(yaml.safe_dump(spec))
    with FakeAnthropic() as fake:
        monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test")
        monkeypatch.setenv("ANTHROPIC_BASE_URL", fake.url)
        result = build_dataset(str(path), str(tmp_path / "out"))

    modes = Counter(re.search(r"mode=(\w+)", r["messages"][0]["content"]).group(1) for r in fake.requests)
    assert sum(modes.values()) == 16 and modes["ok"] and modes["invalid"]
    assert all(list(r["tools"][0]["input_schema"]["properties"]) == ["messages"] for r in fake.requests)
    assert result["stages"]["generate"]["rows_out"]["synthetic"] == modes["ok"]
    assert result["counts"]["quarantined"]["by_reason"]["llm_invalid_record"] == modes["invalid"]
    accounting = result["counts"]["accounting"]
    assert accounting["synthetic_published"] + accounting["synthetic_quarantined"] == 16

    version = Path(result["path"])
    quarantine = pd.read_parquet(version / QUARANTINE_FILE)
    refused = quarantine[quarantine[col.REASON] == "llm_invalid_record"]
    assert (refused[col.DETAIL] == "messages: 'messages' is a required property").all()
    published = pd.read_parquet(version / "data")
    synthetic = published[published[col.SOURCE] == col.SOURCE_SYNTHETIC]
    assert len(synthetic) == accounting["synthetic_published"] > 0 and (synthetic["category"] == "account").all()
    for chat in published["messages"]:
        turns = list(chat)
        assert len(turns) >= 2 and all(set(t) == {"role", "content"} and t["content"] for t in turns)
    assert [t["role"] for t in synthetic["messages"].iloc[0]] == ["user", "assistant"]
    assert "about" in synthetic["messages"].iloc[0][0]["content"]
