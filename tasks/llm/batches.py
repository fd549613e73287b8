"""Batch mode: requests go through the Message Batches API (half price), for scheduled builds.

Submit every request not already stored, poll until the batch ends, store each result the moment it is read,
and resubmit errored (when retryable) and expired requests for a bounded number of rounds; results already
collected are kept whatever happens to the rest.
"""

from __future__ import annotations

import asyncio
from typing import Any

import anthropic

from tasks.llm.costs import Ledger
from tasks.llm.request_cache import RequestCache, request_key

RETRYABLE_ERRORS = {"overloaded_error", "api_error", "rate_limit_error", "timeout_error"}
MAX_BATCH = 10_000


async def run_batches(
    client: anthropic.AsyncAnthropic,
    cache: RequestCache,
    ledger: Ledger,
    jobs: list[tuple[dict, Any]],
    poll_seconds: float = 30,
    max_rounds: int = 3,
) -> tuple[dict[str, dict], dict[str, str], dict]:
    """(messages by request key, errors by request key, stats) for every job."""
    keyed = {request_key(request, salt): request for request, salt in jobs}
    messages = {k: m for k in keyed if (m := cache.get(k)) is not None}
    pending = {k: r for k, r in keyed.items() if k not in messages}
    errors: dict[str, str] = {}
    stats = {"batches": 0, "resubmitted": 0, "from_cache": len(messages)}
    for round_number in range(max_rounds):
        if not pending:
            break
        if round_number:
            stats["resubmitted"] += len(pending)
        for chunk in _chunks(list(pending.items()), MAX_BATCH):
            batch = await client.messages.batches.create(
                requests=[{"custom_id": key, "params": request} for key, request in chunk]
            )
            stats["batches"] += 1
            while batch.processing_status != "ended":
                await asyncio.sleep(poll_seconds)
                batch = await client.messages.batches.retrieve(batch.id)
            async for item in await client.messages.batches.results(batch.id):
                key, result = item.custom_id, item.result
                if result.type == "succeeded":
                    message = result.message.model_dump()
                    cost = ledger.add(message.get("usage") or {}, pending[key]["model"], batch=True)
                    cache.put(key, message, cost)
                    messages[key] = message
                    del pending[key]
                    errors.pop(key, None)
                elif result.type == "errored":
                    kind = result.error.error.type if getattr(result.error, "error", None) else "unknown"
                    errors[key] = f"batch request errored: {kind}"
                    if kind not in RETRYABLE_ERRORS:
                        del pending[key]
                else:
                    errors[key] = f"batch request {result.type}"
    for key in pending:
        errors.setdefault(key, "batch request unfinished")
    return messages, errors, stats


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]
