import asyncio

import pytest

from tasks.llm import limits as llm_limits
from tasks.llm.costs import BudgetExceeded, Ledger, request_cost
from tasks.llm.engine import RetryPolicy, retry_after
from tasks.llm.limits import AdaptiveConcurrency, CircuitBreaker, CircuitOpen, RateLimiter, TokenBucket

PRICES = {"input": 3.0, "output": 15.0}


def test_costs_price_cache_writes_reads_and_the_batch_discount():
    plain = {"input_tokens": 1_000_000, "output_tokens": 0}
    assert request_cost(plain, PRICES, batch=False) == pytest.approx(3.0)
    assert request_cost(plain, PRICES, batch=True) == pytest.approx(1.5)
    assert request_cost({"cache_creation_input_tokens": 1_000_000}, PRICES, False) == pytest.approx(3.75)
    assert request_cost({"cache_read_input_tokens": 1_000_000}, PRICES, False) == pytest.approx(0.3)
    assert request_cost({"output_tokens": 1_000_000}, PRICES, False) == pytest.approx(15.0)


def test_the_ledger_stops_at_the_cap():
    ledger = Ledger({"m": PRICES}, cap_usd=1.0)
    ledger.add({"input_tokens": 200_000, "output_tokens": 0}, "m", batch=False)
    ledger.check()
    ledger.add({"input_tokens": 200_000, "output_tokens": 0}, "m", batch=False)
    with pytest.raises(BudgetExceeded, match=r"spent \$1.2000 of the \$1.0000 cap"):
        ledger.check()


def test_token_bucket_refills_at_its_rate(monkeypatch):
    now = [100.0]
    monkeypatch.setattr(llm_limits.time, "monotonic", lambda: now[0])
    bucket = TokenBucket(120)  # 2 per second, bursts of one second's worth
    assert bucket.wait_time(1) == 0
    bucket.take(1)
    bucket.take(1)
    assert bucket.wait_time(1) == pytest.approx(0.5)
    now[0] += 0.5
    assert bucket.wait_time(1) == 0
    bucket.lower_to(60)
    assert bucket.rate == 60 and bucket.capacity == 1
    paced = TokenBucket(600, burst_seconds=0)
    paced.take(1)
    assert paced.capacity == 1 and paced.wait_time(1) == pytest.approx(0.1)


def test_limits_are_lowered_by_the_api_headers():
    limiter = RateLimiter(1000, None, None)
    limiter.observe({"anthropic-ratelimit-requests-limit": "50", "anthropic-ratelimit-input-tokens-limit": "20000"})
    assert limiter.buckets["requests"].rate == 50 and limiter.buckets["input_tokens"].rate == 20000


def test_aimd_halves_on_throttling_and_grows_back_by_one_per_window():
    concurrency = AdaptiveConcurrency(start=16, maximum=32, cooldown=60)
    concurrency.on_throttle()
    concurrency.on_throttle()  # the same burst of 429s: one decrease
    assert concurrency.limit == 8
    for _ in range(8):
        concurrency.on_success()
    assert 8.9 < concurrency.limit < 9.1


def test_concurrency_never_exceeds_its_limit():
    concurrency = AdaptiveConcurrency(start=3, maximum=3)
    peak = 0

    async def job():
        nonlocal peak
        async with concurrency:
            peak = max(peak, concurrency.in_flight)
            await asyncio.sleep(0)

    async def main():
        await asyncio.gather(*(job() for _ in range(20)))

    asyncio.run(main())
    assert peak == 3


def test_circuit_breaker_and_retry_after():
    breaker = CircuitBreaker(threshold=3)
    for _ in range(3):
        breaker.record(False)
    with pytest.raises(CircuitOpen):
        breaker.check()
    breaker.record(True)
    breaker.check()
    assert (
        retry_after({"retry-after-ms": "250"}) == 0.25
        and retry_after({"retry-after": "2"}) == 2.0
        and retry_after({}) is None
    )
    import random

    delays = [RetryPolicy(base_delay=1, max_delay=8).backoff(a, random.Random(1)) for a in range(6)]
    assert all(0 <= d <= 8 for d in delays)
