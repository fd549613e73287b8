"""The OpenAI-compatible backend (vLLM, Ollama) through a real flow run against a fake server on 127.0.0.1."""

import re
from collections import Counter

import pytest

from flows.build import build_dataset
from tests.helpers.fake_openai import FakeOpenAI
from tests.helpers.spec_factory import write_spec

pytestmark = pytest.mark.usefixtures("prefect_api")

REASON_OF_MODE = {
    "no_tool": "llm_no_tool_call",
    "truncated": "llm_truncated",
    "bad_json": "llm_invalid_record",
    "error": "llm_request_failed",
}


def test_openai_compatible_backend_builds_and_quarantines_bad_replies(tmp_path, monkeypatch):
    generator = {
        "backend": "openai",
        "rows": 20,
        "seed": 4,
        "model": "qwen2.5-7b-instruct",
        "prompt_id": "summarise",
        "category": "summary",
        "system_prompt": "You write training data.",
        "prompt": "topic={{ topic }} n={{ n }} mode={{ mode }}",
        "max_attempts": 1,
        "samplers": {
            "topic": {"type": "category", "values": {"tides": 1, "jazz": 1, "glaciers": 1}},
            "n": {"type": "integer", "min": 1, "max": 10**6},
            "mode": {"type": "category", "values": {"ok": 4, "no_tool": 1, "truncated": 1, "bad_json": 1, "error": 1}},
        },
    }
    spec = write_spec(tmp_path, generator=generator, **{"blend.max_synthetic_share": 0.9})
    with FakeOpenAI() as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.url)
        result = build_dataset(str(spec), str(tmp_path / "out"))
        again = build_dataset(str(spec), str(tmp_path / "out"))
        modes = Counter(re.search(r"mode=(\w+)", r["messages"][-1]["content"]).group(1) for r in server.requests)
    assert sum(modes.values()) == 20 + modes["error"], "the rerun sent only the requests that had no stored response"
    reasons = result["counts"]["quarantined"]["by_reason"]
    for mode, reason in REASON_OF_MODE.items():
        assert reasons.get(reason, 0) == modes[mode] // (2 if mode == "error" else 1)
    assert result["stages"]["generate"]["rows_out"]["synthetic"] == modes["ok"]
    assert again["counts"]["quarantined"]["by_reason"] == reasons
