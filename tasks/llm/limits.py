"""Pacing LLM calls: token buckets for requests and tokens per minute, AIMD concurrency, a circuit breaker.

Limits start from the spec and are lowered when the API's `anthropic-ratelimit-*-limit` headers report less.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tasks.llm.shared_limits import SharedBudget


class TokenBucket:
    """`rate_per_minute` units per minute, in bursts of at most `burst_seconds` worth (or one unit).
    Requests are paced with no burst: a burst on top of a steady rate overruns the API's sliding window."""

    def __init__(self, rate_per_minute: float | None, burst_seconds: float = 1.0):
        self.rate = rate_per_minute
        self.burst_seconds = burst_seconds
        self.capacity = max(1.0, (rate_per_minute or 0) / 60 * burst_seconds)
        self.level = self.capacity
        self.stamp = time.monotonic()

    def lower_to(self, rate_per_minute: float) -> None:
        if self.rate is None or rate_per_minute < self.rate:
            self.rate = rate_per_minute
            self.capacity = max(1.0, rate_per_minute / 60 * self.burst_seconds)
            self.level = min(self.level, self.capacity)

    def wait_time(self, amount: float) -> float:
        """Seconds until `amount` is available (0 when it is), after topping up."""
        if self.rate is None:
            return 0.0
        now = time.monotonic()
        self.level = min(self.capacity, self.level + (now - self.stamp) * self.rate / 60)
        self.stamp = now
        amount = min(amount, self.capacity)
        return 0.0 if self.level >= amount else (amount - self.level) * 60 / self.rate

    def take(self, amount: float) -> None:
        if self.rate is not None:
            self.level -= min(amount, self.capacity)


class RateLimiter:
    HEADERS = {
        "requests": "anthropic-ratelimit-requests-limit",
        "input_tokens": "anthropic-ratelimit-input-tokens-limit",
        "output_tokens": "anthropic-ratelimit-output-tokens-limit",
    }

    def __init__(
        self,
        requests_per_minute: float | None,
        input_tokens_per_minute: float | None,
        output_tokens_per_minute: float | None,
        shared: SharedBudget | None = None,
    ):
        self.buckets = {
            "requests": TokenBucket(requests_per_minute, burst_seconds=0),
            "input_tokens": TokenBucket(input_tokens_per_minute),
            "output_tokens": TokenBucket(output_tokens_per_minute),
        }
        self.shared = shared
        self._lock = asyncio.Lock()

    async def acquire(self, input_tokens: float, output_tokens: float) -> None:
        """Wait until one request of this size fits every limit, then take it."""
        need = {"requests": 1, "input_tokens": input_tokens, "output_tokens": output_tokens}
        async with self._lock:
            while True:
                wait = max(bucket.wait_time(need[name]) for name, bucket in self.buckets.items())
                if wait <= 0:
                    break
                await asyncio.sleep(wait)
            for name, bucket in self.buckets.items():
                bucket.take(need[name])
            if self.shared:  # under the lock: this process's requests queue for the account's budget in order
                await self.shared.acquire(input_tokens, output_tokens)

    def observe(self, headers: Mapping[str, str]) -> None:
        """Lower a limit to what the API says it is."""
        for name, header in self.HEADERS.items():
            value = headers.get(header)
            if value and value.isdigit() and int(value) > 0:
                self.buckets[name].lower_to(float(value))


class AdaptiveConcurrency:
    """Additive increase, multiplicative decrease: +1 slot per `limit` successes, halved on throttling
    (at most once per `cooldown` seconds, so one burst of 429s counts as one congestion signal)."""

    def __init__(self, start: int, maximum: int, cooldown: float = 1.0):
        self.maximum = maximum
        self.limit = float(min(start, maximum))
        self.in_flight = 0
        self.cooldown = cooldown
        self._last_decrease = -cooldown
        self._changed = asyncio.Condition()

    async def __aenter__(self):
        async with self._changed:
            await self._changed.wait_for(lambda: self.in_flight < int(self.limit))
            self.in_flight += 1

    async def __aexit__(self, *exc):
        async with self._changed:
            self.in_flight -= 1
            self._changed.notify_all()

    def on_success(self) -> None:
        self.limit = min(self.maximum, self.limit + 1 / self.limit)

    def on_throttle(self) -> None:
        now = time.monotonic()
        if now - self._last_decrease >= self.cooldown:
            self.limit = max(1.0, self.limit / 2)
            self._last_decrease = now


class CircuitOpen(RuntimeError):
    """The API kept failing: the stage stops cleanly; stored responses make a rerun resume."""


class CircuitBreaker:
    def __init__(self, threshold: int):
        self.threshold = threshold
        self.consecutive_failures = 0

    def record(self, ok: bool) -> None:
        self.consecutive_failures = 0 if ok else self.consecutive_failures + 1

    def check(self) -> None:
        if self.consecutive_failures >= self.threshold:
            raise CircuitOpen(
                f"the API failed {self.consecutive_failures} times in a row; stopping (stored responses are kept)"
            )
