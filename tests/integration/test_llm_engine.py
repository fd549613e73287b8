"""The generation engine against the fake Anthropic server: faults, budget, batches, circuit breaker, kill -9."""

import json
import os
import re
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from schemas import records as col
from schemas.spec import AnthropicGenerator
from tasks.generate.anthropic import generate_with_anthropic, plan_rows
from tasks.llm.costs import BudgetExceeded
from tasks.llm.limits import CircuitOpen
from tasks.llm.request_cache import RequestCache, request_key
from tests.helpers.fake_anthropic import FakeAnthropic, body_key

ROOT = Path(__file__).resolve().parents[2]
RETRIED = ["throttle_once", "overloaded_once", "server_error_once", "slow_once", "drop_once", "garbage_once"]
QUARANTINED = {
    "error": "llm_request_failed",
    "truncated": "llm_truncated",
    "no_tool": "llm_no_tool_call",
    "invalid": "llm_invalid_record",
    "always_500": "llm_request_failed",
}


def config(modes: list[str], rows: int, **extra) -> AnthropicGenerator:
    return AnthropicGenerator.model_validate(
        {
            "backend": "anthropic",
            "rows": rows,
            "seed": 3,
            "model": "claude-test",
            "prompt_id": "explain",
            "category": "explanation",
            "system_prompt": "You write training data.",
            "prompt": "topic={{ topic }} n={{ n }} mode={{ mode }}",
            "samplers": {
                "topic": {"type": "category", "values": {"tides": 1, "jazz": 1}},
                "n": {"type": "integer", "min": 1, "max": 10**6},
                "mode": {"type": "category", "values": {m: 1 for m in modes}},
            },
            "prices": {"input": 3.0, "output": 15.0},
            "timeout_seconds": 1.0,
            "max_attempts": 4,
            "retry_base_seconds": 0.02,
            "limits": {"requests_per_minute": 60_000},
            **extra,
        }
    )


@pytest.fixture
def api(monkeypatch):
    with FakeAnthropic() as fake:
        monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test")
        monkeypatch.setenv("ANTHROPIC_BASE_URL", fake.url)
        yield fake


def mode_of(prompt: str) -> str:
    return re.search(r"mode=(\w+)", prompt).group(1)


def modes_by_request(cfg: AnthropicGenerator) -> dict[str, str]:
    """Each row's request key -> the fault mode its prompt asks the fake server for."""
    return {request_key(p.request, p.seed): mode_of(p.request["messages"][0]["content"]) for p in plan_rows(cfg, [])}


def test_every_fault_ends_as_a_retried_success_or_a_quarantined_row(api, tmp_path):
    cfg = config(RETRIED + list(QUARANTINED), rows=60, max_attempts=3)
    rows, rejects, summary = generate_with_anthropic(cfg, [], cache=RequestCache(tmp_path / "c.sqlite"))
    assert len(rows) + len(rejects) == 60
    mode = modes_by_request(cfg)
    outcome: dict[str, set] = {}
    for row in rows + rejects:
        outcome.setdefault(mode[row[col.REQUEST_HASH]], set()).add(row.get(col.REASON, "ok"))
    assert {m: outcome[m] for m in RETRIED} == {m: {"ok"} for m in RETRIED}
    assert {m: outcome[m] for m in QUARANTINED} == {m: {reason} for m, reason in QUARANTINED.items()}
    assert (
        summary["throttled"] >= 2
        and summary["server_errors"] >= 1
        and summary["network_errors"] >= 1
        and summary["unreadable_replies"] >= 1
    )


def test_the_budget_cap_stops_the_run_and_a_rerun_pays_for_nothing_twice(api, tmp_path):
    cache = RequestCache(tmp_path / "c.sqlite")
    expensive = config(
        ["ok"],
        rows=30,
        concurrency=1,
        max_concurrency=1,
        prices={"input": 10_000.0, "output": 10_000.0},
        budget={"max_usd": 5.0, "preview_rows": 3},
    )
    with pytest.raises(BudgetExceeded, match="raise generator.budget.max_usd"):
        generate_with_anthropic(expensive, [], cache=cache)
    stored, sent_before = len(cache), len(api.requests)
    assert 0 < stored < 30 and sent_before == stored
    rows, _, summary = generate_with_anthropic(expensive.model_copy(update={"budget": None}), [], cache=cache)
    assert len(rows) == 30 and len(api.requests) == sent_before + (30 - stored) and summary["from_cache"] == stored


def test_the_preview_estimates_the_cost_per_accepted_row(api, tmp_path):
    cfg = config(["ok", "no_tool"], rows=12, budget={"max_usd": 100.0, "preview_rows": 6})
    _, _, summary = generate_with_anthropic(cfg, [], cache=RequestCache(tmp_path / "c.sqlite"))
    estimate = summary["budget"]
    assert estimate["preview_rows"] == 6 and estimate["cost_per_accepted_row_usd"] > 0 and estimate["projected_usd"] > 0


def test_batch_mode_resubmits_expired_requests_at_half_price(api, tmp_path):
    cfg = config(["ok", "expire_once", "error"], rows=12, mode="batch", batch_poll_seconds=0.05)
    rows, rejects, summary = generate_with_anthropic(cfg, [], cache=RequestCache(tmp_path / "c.sqlite"))
    planned = Counter(modes_by_request(cfg).values())
    assert summary["batches"] == 2 and summary["resubmitted"] == planned["expire_once"]
    assert len(rows) == planned["ok"] + planned["expire_once"]
    assert [r[col.REASON] for r in rejects] == ["llm_request_failed"] * planned["error"]
    assert summary["spent_usd"] == pytest.approx(sum(r[col.COST_USD] for r in rows), abs=1e-6)


def test_an_api_that_keeps_failing_opens_the_circuit(api, tmp_path):
    with pytest.raises(CircuitOpen):
        generate_with_anthropic(
            config(["always_500"], rows=40, max_attempts=3), [], cache=RequestCache(tmp_path / "c.sqlite")
        )


def test_after_a_kill_9_a_rerun_sends_no_stored_request_again_and_yields_the_same_rows(tmp_path):
    with FakeAnthropic(hold_after=12) as fake:
        env = {**os.environ, "ANTHROPIC_API_KEY": "sk-test", "ANTHROPIC_BASE_URL": fake.url, "PYTHONPATH": str(ROOT)}
        cfg = tmp_path / "config.json"
        cfg.write_text(config(["ok"], rows=40, concurrency=2, max_concurrency=2).model_dump_json())
        cache_path = tmp_path / "cache.sqlite"
        job = subprocess.Popen(
            [sys.executable, "-m", "tests.helpers.generation_job", str(cfg), str(cache_path), str(tmp_path / "a.json")],
            env=env,
            cwd=ROOT,
        )
        assert fake.wait_for_requests(13, timeout=60), "generation never got going"
        job.send_signal(signal.SIGKILL)  # replies past the 12th are held: the job dies mid-run, requests in flight
        job.wait()
        fake.released.set()
        stored = {row[0] for row in __import__("sqlite3").connect(cache_path).execute("SELECT key FROM responses")}
        sent_before = len(fake.requests)
        assert 0 < len(stored) < 40
        subprocess.run(
            [sys.executable, "-m", "tests.helpers.generation_job", str(cfg), str(cache_path), str(tmp_path / "a.json")],
            env=env,
            cwd=ROOT,
            check=True,
        )
        resent = fake.requests[sent_before:]
    key_of_body = {body_key(p.request): request_key(p.request, p.seed) for p in plan_rows(config(["ok"], rows=40), [])}
    assert not {key_of_body[body_key(b)] for b in resent} & stored, "a request whose response was stored was sent again"
    assert len(resent) == 40 - len(stored)
    with FakeAnthropic() as clean:
        env = {**env, "ANTHROPIC_BASE_URL": clean.url}
        subprocess.run(
            [
                sys.executable,
                "-m",
                "tests.helpers.generation_job",
                str(cfg),
                str(tmp_path / "fresh.sqlite"),
                str(tmp_path / "b.json"),
            ],
            env=env,
            cwd=ROOT,
            check=True,
        )

    def strip(rows: list[dict]) -> list[tuple]:
        return sorted((r[col.ID], r[col.INSTRUCTION], r[col.OUTPUT]) for r in rows)

    assert strip(json.loads((tmp_path / "a.json").read_text())) == strip(json.loads((tmp_path / "b.json").read_text()))
