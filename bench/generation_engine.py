"""Generation engine benchmark against the fake Anthropic server (tests/fake_anthropic.py), side by side in one run.

1. Throughput: a server limit of REQUESTS_PER_MINUTE, LATENCY seconds per reply and 20% injected faults (429, 529,
   500, dropped connections). Reports requests the server let through its rate limit per second (faults
   included: they use the limit too) and rows completed per second, each as a ratio to the limit, and checks
   that no row was lost.
2. Cost of 1,000 accepted rows at claude-sonnet-4-5 list prices: online, batch, and batch with prompt caching
   (a 5-exemplar few-shot prefix), from the usage the server reports.
Writes bench/results/generation_engine.json.  Usage: python bench/generation_engine.py
"""

from __future__ import annotations

import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from schemas.spec import AnthropicGenerator
from tasks.generate.anthropic import generate_with_anthropic
from tasks.llm.request_cache import RequestCache
from tests.helpers.fake_anthropic import FakeAnthropic

REQUESTS_PER_MINUTE, LATENCY, FAULT_RATE, ROWS = 600, 0.2, 0.2, 600
SEEDS = [
    {
        "instruction": f"Seed task number {i}: describe a process step by step in detail.",
        "input": "",
        "output": "A careful, complete answer. " * 20,
    }
    for i in range(40)
]


def generator(**extra) -> AnthropicGenerator:
    return AnthropicGenerator.model_validate(
        {
            "backend": "anthropic",
            "rows": ROWS,
            "seed": 1,
            "model": "claude-sonnet-4-5",
            "prompt_id": "bench",
            "category": "bench",
            "system_prompt": "You write high-quality instruction-tuning records. " * 20,
            "prompt": "topic={{ topic }} n={{ n }} mode=ok",
            "samplers": {
                "topic": {"type": "category", "values": {"tides": 1, "jazz": 1}},
                "n": {"type": "integer", "min": 1, "max": 10**9},
            },
            "retry_base_seconds": 0.05,
            "max_attempts": 10,
            **extra,
        }
    )


class SlowFakeAnthropic(FakeAnthropic):
    """The fake server with a fixed reply latency, as a real API has."""

    def before_reply(self) -> None:
        time.sleep(LATENCY)


def throughput() -> dict:
    with SlowFakeAnthropic(requests_per_minute=REQUESTS_PER_MINUTE, fault_rate=FAULT_RATE, seed=7) as fake:
        os.environ.update(ANTHROPIC_API_KEY="bench", ANTHROPIC_BASE_URL=fake.url)
        config = generator(limits={"requests_per_minute": REQUESTS_PER_MINUTE}, concurrency=8, max_concurrency=32)
        started = time.perf_counter()
        rows, rejects, summary = generate_with_anthropic(
            config, SEEDS, cache=RequestCache(Path(tempfile.mkdtemp()) / "c.sqlite")
        )
        elapsed = time.perf_counter() - started
        accepted = sum(n for status, n in fake.statuses.items() if status != "429_over_rate")
    limit = REQUESTS_PER_MINUTE / 60
    return {
        "limit_requests_per_second": limit,
        "latency_seconds": LATENCY,
        "fault_rate": FAULT_RATE,
        "rows": ROWS,
        "seconds": round(elapsed, 2),
        "server_accepted_requests_per_second": round(accepted / elapsed, 3),
        "ratio_accepted_to_limit": round(accepted / elapsed / limit, 3),
        "rows_completed_per_second": round(len(rows) / elapsed, 3),
        "ratio_rows_to_limit": round(len(rows) / elapsed / limit, 3),
        "rows_lost": ROWS - len(rows) - len(rejects),
        "rows_quarantined": len(rejects),
        "server_statuses": {str(k): v for k, v in fake.statuses.items()},
        "engine": {
            k: summary[k]
            for k in ("sent", "retried", "throttled", "server_errors", "network_errors", "concurrency")
            if k in summary
        },
    }


def cost(mode: str, caching: bool) -> dict:
    with FakeAnthropic() as fake:
        os.environ.update(ANTHROPIC_API_KEY="bench", ANTHROPIC_BASE_URL=fake.url)
        config = generator(
            rows=1000,
            mode=mode,
            prompt_caching=caching,
            exemplars=5,
            rotate_every=1000,
            limits={"requests_per_minute": None},
            concurrency=32,
            max_concurrency=64,
            batch_poll_seconds=0.05,
        )
        rows, _, summary = generate_with_anthropic(
            config, SEEDS, cache=RequestCache(Path(tempfile.mkdtemp()) / "c.sqlite")
        )
    return {
        "accepted_rows": len(rows),
        "usd_per_1000_accepted_rows": round(summary["spent_usd"] / len(rows) * 1000, 4),
        "tokens": summary["tokens"],
    }


def main() -> None:
    result = {
        "throughput": throughput(),
        "cost_1000_rows": {
            "online": cost("online", caching=False),
            "batch": cost("batch", caching=False),
            "batch_with_prompt_caching": cost("batch", caching=True),
        },
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }
    costs = result["cost_1000_rows"]
    base = costs["online"]["usd_per_1000_accepted_rows"]
    for name in costs:
        costs[name]["ratio_to_online"] = round(costs[name]["usd_per_1000_accepted_rows"] / base, 3)
    out = ROOT / "bench" / "results" / "generation_engine.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
