"""The LLM call engine: every request goes through the request cache, the rate limiter, AIMD concurrency,
bounded retries and the cost ledger.

429 and 529 are backpressure: wait for retry-after (or back off exponentially with jitter) and halve the
concurrency. 5xx, timeouts, dropped connections and unreadable replies are retried with a bound. A budget cap
or an open circuit stops new requests while the ones in flight finish and are stored.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import anthropic

from tasks.llm.anthropic_client import client_options
from tasks.llm.costs import BudgetExceeded, Ledger
from tasks.llm.limits import AdaptiveConcurrency, CircuitBreaker, CircuitOpen, RateLimiter
from tasks.llm.request_cache import RequestCache, request_key

THROTTLED = {429, 529}


@dataclass
class CallResult:
    message: dict | None
    error: str | None = None
    attempts: int = 0
    from_cache: bool = False
    cost_usd: float = 0.0


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 6
    base_delay: float = 0.5
    max_delay: float = 30.0

    def backoff(self, attempt: int, rng: random.Random) -> float:
        """Exponential backoff with full jitter."""
        return rng.uniform(0, min(self.max_delay, self.base_delay * 2**attempt))


def retry_after(headers) -> float | None:
    """The API's requested wait, from retry-after-ms or retry-after."""
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        value = headers.get(name) if headers else None
        if value is None:
            continue
        try:
            return float(value) * scale
        except ValueError:
            continue
    return None


class AnthropicEngine:
    def __init__(
        self,
        client: anthropic.AsyncAnthropic,
        cache: RequestCache | None,
        limiter: RateLimiter,
        concurrency: AdaptiveConcurrency,
        ledger: Ledger,
        policy: RetryPolicy = RetryPolicy(),
        breaker: CircuitBreaker | None = None,
        seed: int = 0,
    ):
        self.client, self.cache, self.limiter, self.concurrency, self.ledger = (
            client,
            cache,
            limiter,
            concurrency,
            ledger,
        )
        self.policy, self.breaker = policy, breaker or CircuitBreaker(threshold=20)
        self.stats: Counter = Counter()
        self.stop_reason: Exception | None = None
        self._rng = random.Random(seed)
        self._output_tokens_seen: list[int] = []
        self._in_flight: dict[str, asyncio.Future] = {}

    def _estimate(self, request: dict) -> tuple[float, float]:
        prompt = json.dumps([request.get("system"), request.get("messages"), request.get("tools")])
        seen = self._output_tokens_seen[-50:]
        return len(prompt) / 4, (sum(seen) / len(seen) * 1.2 if seen else request.get("max_tokens", 1024))

    async def call(self, request: dict, salt: Any = None) -> CallResult:
        """The response to one request: from the cache, from an identical request in flight, or from the API
        with retries; never raises for API errors."""
        key = request_key(request, salt)
        if self.cache is not None and (stored := self.cache.get(key)) is not None:
            self.stats["from_cache"] += 1
            return CallResult(stored, from_cache=True)
        if key in self._in_flight:
            self.stats["from_cache"] += 1
            shared = await asyncio.shield(self._in_flight[key])
            return CallResult(shared.message, shared.error, 0, from_cache=True)
        self._in_flight[key] = asyncio.get_running_loop().create_future()
        result = await self._call_api(request, key)
        self._in_flight.pop(key).set_result(result)
        return result

    async def _call_api(self, request: dict, key: str) -> CallResult:
        error = "not sent"
        for attempt in range(self.policy.max_attempts):
            if self.stop_reason:
                return CallResult(None, f"stopped: {self.stop_reason}", attempt)
            await self.limiter.acquire(*self._estimate(request))
            async with self.concurrency:
                if self.stop_reason:
                    return CallResult(None, f"stopped: {self.stop_reason}", attempt)
                self.stats["sent"] += 1
                delay, error = await self._attempt(request, attempt)
            if delay is None:
                message = error
                cost = self.ledger.add(message.get("usage") or {}, request["model"], batch=False)
                if self.cache is not None:
                    self.cache.put(key, message, cost)
                self._output_tokens_seen.append((message.get("usage") or {}).get("output_tokens", 0))
                self._check_limits()
                return CallResult(message, attempts=attempt + 1, cost_usd=cost)
            if delay < 0:
                return CallResult(None, error, attempt + 1)
            self.stats["retried"] += 1
            await asyncio.sleep(delay)
        return CallResult(None, f"gave up after {self.policy.max_attempts} attempts: {error}", self.policy.max_attempts)

    async def _attempt(self, request: dict, attempt: int) -> tuple[float | None, Any]:
        """(None, message) on success; (delay, error) to retry; (-1, error) for a request the API refuses."""
        try:
            raw = await self.client.messages.with_raw_response.create(**request)
            message = (await raw.parse()).model_dump()
        except anthropic.APIStatusError as failure:
            status, headers = failure.status_code, failure.response.headers
            self.breaker.record(False)
            if status in THROTTLED:
                self.stats["throttled"] += 1
                self.concurrency.on_throttle()
                wait = retry_after(headers)
                return (wait if wait is not None else self.policy.backoff(attempt, self._rng)), f"HTTP {status}"
            if status >= 500 or status == 408:
                self.stats["server_errors"] += 1
                return self.policy.backoff(attempt, self._rng), f"HTTP {status}"
            self.breaker.record(True)  # the API answered; the request itself is wrong
            return -1, f"HTTP {status}: {failure.message}"[:300]
        except (anthropic.APIConnectionError, anthropic.APIResponseValidationError, ValueError) as failure:
            self.breaker.record(False)
            self.stats[
                "network_errors" if isinstance(failure, anthropic.APIConnectionError) else "unreadable_replies"
            ] += 1
            return self.policy.backoff(attempt, self._rng), f"{type(failure).__name__}: {failure}"[:300]
        finally:
            self._check_breaker()
        self.breaker.record(True)
        self.limiter.observe(raw.headers)
        self.concurrency.on_success()
        return None, message

    def _check_breaker(self) -> None:
        try:
            self.breaker.check()
        except CircuitOpen as error:
            self.stop_reason = self.stop_reason or error

    def _check_limits(self) -> None:
        try:
            self.ledger.check()
        except BudgetExceeded as error:
            self.stop_reason = self.stop_reason or error

    async def run(self, jobs: list[tuple[dict, Any]], on_done: Callable[[], None] | None = None) -> list[CallResult]:
        """Every job's result, in order; raises the stop reason (budget, circuit) after in-flight calls finish."""

        async def one(request, salt):
            result = await self.call(request, salt)
            if on_done:
                on_done()
            return result

        results = await asyncio.gather(*(one(request, salt) for request, salt in jobs))
        if self.stop_reason:
            raise self.stop_reason
        return list(results)

    def summary(self) -> dict:
        return {
            **self.ledger.summary(),
            **{k: int(v) for k, v in self.stats.items()},
            "concurrency": round(self.concurrency.limit, 2),
        }


async def run_judge_calls(
    jobs: list[tuple[dict, Any]], settings, cache, ledger, client=None
) -> tuple[list[CallResult], dict]:
    """Judge requests through the engine, with `settings` (schemas.spec_gates.JudgeCalls) for its limits;
    an Anthropic client from the environment unless one is given."""
    async with client or anthropic.AsyncAnthropic(**client_options(settings.timeout_seconds, max_retries=0)) as api:
        engine = AnthropicEngine(
            api,
            cache,
            RateLimiter(settings.requests_per_minute, None, None),
            AdaptiveConcurrency(settings.concurrency, settings.concurrency * 4),
            ledger,
            RetryPolicy(max_attempts=settings.max_attempts, base_delay=settings.retry_base_seconds),
        )
        results = await engine.run(jobs)
        return results, engine.summary()
