"""One API budget for every worker: Prefect global rate limits named after the account.

A limit with a slot decay is a token bucket kept by the Prefect server, so every process that acquires from it,
on any machine, draws on the same budget. Per account: `llm-<account>-requests` holds one request (paced with no
burst, as the local bucket is: a burst on top of a steady rate overruns the API's window), and
`llm-<account>-input-tokens` and `-output-tokens` a minute of tokens (the API's own buckets hold a minute); each
decays at its per-minute rate over 60. The per-process AIMD and local buckets stay below this ceiling and still
adapt to 429 and 529.
"""

from __future__ import annotations

import math

from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import GlobalConcurrencyLimitUpdate
from prefect.concurrency.asyncio import rate_limit
from prefect.exceptions import ObjectAlreadyExists

from schemas.spec_generators import RateLimits


def limit_names(account: str) -> dict[str, str]:
    return {kind: f"llm-{account}-{kind.replace('_', '-')}" for kind in ("requests", "input_tokens", "output_tokens")}


def bucket_sizes(limits: RateLimits) -> dict[str, tuple[int, float]]:
    """(slots, decay per second) per limited kind; a kind without a rate is not limited."""
    sizes = {}
    if limits.requests_per_minute:
        sizes["requests"] = (1, limits.requests_per_minute / 60)
    tokens = {"input_tokens": limits.input_tokens_per_minute, "output_tokens": limits.output_tokens_per_minute}
    for kind, rate in tokens.items():
        if rate:
            sizes[kind] = (max(1, math.floor(rate)), rate / 60)
    return sizes


def declare_shared_limits(limits: RateLimits) -> None:
    """Create or update the account's limits on the Prefect server (the last build to start sets them)."""
    assert limits.account, "only an account's limits are shared"
    names = limit_names(limits.account)
    with get_client(sync_client=True) as client:
        for kind, (slots, decay) in bucket_sizes(limits).items():
            try:
                client.upsert_global_concurrency_limit_by_name(names[kind], slots, slot_decay_per_second=decay)
            except ObjectAlreadyExists:  # another worker created it between the upsert's read and its create
                update = GlobalConcurrencyLimitUpdate(limit=slots, slot_decay_per_second=decay)
                client.update_global_concurrency_limit(names[kind], update)


class SharedBudget:
    """Draws one request's estimated size from the account's limits; waits until the server grants it."""

    def __init__(self, limits: RateLimits):
        assert limits.account, "only an account's limits are shared"
        names = limit_names(limits.account)
        self.draws = [(kind, names[kind], slots) for kind, (slots, _) in bucket_sizes(limits).items()]

    async def acquire(self, input_tokens: float, output_tokens: float) -> None:
        need = {"requests": 1.0, "input_tokens": input_tokens, "output_tokens": output_tokens}
        for kind, name, slots in self.draws:
            # A request bigger than the whole bucket takes all of it, as the local bucket does.
            await rate_limit(name, occupy=max(1, min(slots, math.ceil(need[kind]))), strict=True)
