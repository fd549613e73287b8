"""The Anthropic Messages backend: structured output through a forced tool call, online or in batches.

Calls go through the engine (request cache, rate limits, AIMD concurrency, retries, cost ledger). The system
prompt and the few-shot exemplars form a stable prefix marked for prompt caching; exemplars rotate from the
real seeds every `rotate_every` rows. With a budget, a preview of rows first estimates the cost per accepted row.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import anthropic
import numpy as np

from schemas import records as col
from schemas.record_builtins import INSTRUCTION
from schemas.record_schema import RecordSchema
from schemas.spec import AnthropicGenerator, RateLimits
from tasks.fingerprints import content_hash
from tasks.generate.prompts import render
from tasks.generate.record_tool import (
    TOOL_DESCRIPTION,
    ReadReply,
    exemplar_text,
    fixed_columns,
    read_reply,
    record_tool,
)
from tasks.generate.rows import provenance, rejected_row, synthetic_row
from tasks.generate.sampler import draw_row, row_seed
from tasks.llm.anthropic_client import client_options
from tasks.llm.batches import run_batches
from tasks.llm.costs import Ledger, model_prices, request_cost
from tasks.llm.engine import AnthropicEngine, CallResult, RetryPolicy
from tasks.llm.limits import AdaptiveConcurrency, RateLimiter
from tasks.llm.request_cache import RequestCache, request_key
from tasks.llm.tool_calls import tool_input
from tasks.quarantine import Reason

if TYPE_CHECKING:
    from tasks.llm.shared_limits import SharedBudget

TOOL_NAME = "emit_record"


def exemplar_block(
    config: AnthropicGenerator, index: int, seed_rows: list[dict], record: RecordSchema = INSTRUCTION
) -> str:
    """The few-shot examples for row `index`, showing the columns the LLM writes: the same for every row of its
    window, so the prefix caches."""
    if not config.exemplars or not seed_rows:
        return ""
    rng = np.random.default_rng([config.seed, index // config.rotate_every])
    picked = [
        seed_rows[i] for i in rng.choice(len(seed_rows), size=min(config.exemplars, len(seed_rows)), replace=False)
    ]
    columns = [name for name in record.generated() if name != record.label]  # what the LLM writes
    shown = [f"Example {n}:\n{exemplar_text(r, record, columns)}" for n, r in enumerate(picked, 1)]
    return "Examples of good records:\n\n" + "\n\n".join(shown)


def build_request(
    config: AnthropicGenerator, values: dict[str, Any], exemplars: str = "", record: RecordSchema = INSTRUCTION
) -> dict[str, Any]:
    """The Messages API request for one row: a stable (cacheable) system prefix, the prompt rendered with the
    row's sampler values, and the record's tool forced (asking for the columns the row does not have yet)."""
    tool = record_tool(record, fixed_columns(record, values, config.category))
    system: list[dict[str, Any]] = [{"type": "text", "text": config.system_prompt}] + (
        [{"type": "text", "text": exemplars}] if exemplars else []
    )
    if config.prompt_caching:
        system[-1] = {**system[-1], "cache_control": {"type": "ephemeral"}}
    return {
        "model": config.model,
        "max_tokens": config.max_tokens,
        "system": system,
        "messages": [{"role": "user", "content": render(config.prompt, values)}],
        "tools": [{"name": TOOL_NAME, "description": TOOL_DESCRIPTION, "input_schema": tool}],
        "tool_choice": {"type": "tool", "name": TOOL_NAME},
    }


def parse_reply(message: dict[str, Any], record: RecordSchema, fixed: dict[str, Any]) -> ReadReply:
    """(the row's record columns, None, None) for a usable reply, else (what could be read, reason, detail)."""
    if message.get("stop_reason") == "max_tokens":
        return None, Reason.LLM_TRUNCATED, "reply cut off at max_tokens"
    arguments = tool_input(message, TOOL_NAME)
    if arguments is None:
        kinds = [b.get("type") for b in message.get("content", [])]
        return None, Reason.LLM_NO_TOOL_CALL, f"reply had no {TOOL_NAME} call (blocks: {kinds})"
    return read_reply(arguments, record, fixed)


@dataclass(frozen=True)
class RowPlan:
    request: dict
    seed: int
    provenance: dict
    fixed: dict  # the record's columns the row has before the reply: sampler columns and the label


def plan_rows(
    config: AnthropicGenerator,
    seed_rows: list[dict],
    record: RecordSchema = INSTRUCTION,
    start: int = 0,
    stop: int | None = None,
) -> list[RowPlan]:
    """Every row's request and provenance (rows start..stop, default all), before anything is sent; a row's
    request depends only on its index, so a shard plans exactly its slice of the whole."""
    template_hash = content_hash([config.system_prompt, config.prompt, config.exemplars, config.rotate_every])
    plans = []
    for index in range(start, config.rows if stop is None else stop):
        seed = row_seed(config.seed, index)
        values = draw_row(config.samplers, np.random.default_rng(seed), seed_rows, index)
        request = build_request(config, values, exemplar_block(config, index, seed_rows, record), record)
        plans.append(
            RowPlan(
                request,
                seed,
                provenance(
                    "anthropic", config.model, config.prompt_id, template_hash, seed, request_key(request, seed)
                ),
                fixed_columns(record, values, config.category),
            )
        )
    return plans


def row_from_result(
    config: AnthropicGenerator, plan: RowPlan, result: CallResult, batch: bool, record: RecordSchema = INSTRUCTION
) -> dict:
    """A candidate row, or a rejected one with its reason, carrying tokens, cost and stop reason."""
    if result.message is None:
        return rejected_row(plan.provenance, Reason.LLM_REQUEST_FAILED, result.error or "no reply")
    message, usage = result.message, result.message.get("usage") or {}
    spent = {
        col.INPUT_TOKENS: usage.get("input_tokens", 0)
        + (usage.get("cache_creation_input_tokens") or 0)
        + (usage.get("cache_read_input_tokens") or 0),
        col.OUTPUT_TOKENS: usage.get("output_tokens", 0),
        col.COST_USD: request_cost(usage, model_prices(config.model, config.prices), batch),
        col.STOP_REASON: message.get("stop_reason"),
    }
    values, reason, detail = parse_reply(message, record, plan.fixed)
    if reason is not None:
        return {**rejected_row(plan.provenance, reason, str(detail), values), **spent}
    return synthetic_row(values or {}, {**plan.provenance, **spent})


def shared_budget(limits: RateLimits) -> SharedBudget | None:
    """The account's budget on the Prefect server, when the spec names an account (imports Prefect only then)."""
    if not limits.account:
        return None
    from tasks.llm.shared_limits import SharedBudget

    return SharedBudget(limits)


async def _online(
    config: AnthropicGenerator,
    plans: list[RowPlan],
    cache: RequestCache | None,
    ledger: Ledger,
    on_row,
    client,
    record: RecordSchema,
) -> tuple[list[CallResult], dict]:
    async with client or anthropic.AsyncAnthropic(**client_options(config.timeout_seconds, max_retries=0)) as api:
        limits = config.limits
        engine = AnthropicEngine(
            api,
            cache,
            RateLimiter(
                limits.requests_per_minute,
                limits.input_tokens_per_minute,
                limits.output_tokens_per_minute,
                shared=shared_budget(limits),
            ),
            AdaptiveConcurrency(config.concurrency, config.max_concurrency),
            ledger,
            RetryPolicy(max_attempts=config.max_attempts, base_delay=config.retry_base_seconds),
            seed=config.seed,
        )
        jobs = [(p.request, p.seed) for p in plans]
        preview = min(config.budget.preview_rows, len(jobs)) if config.budget else 0
        results = await engine.run(jobs[:preview], on_row) if preview else []
        estimate = budget_estimate(config, results, ledger, plans, record) if preview else None
        results += await engine.run(jobs[preview:], on_row)
        return results, {**engine.summary(), "budget": estimate}


def budget_estimate(
    config: AnthropicGenerator, preview: list[CallResult], ledger: Ledger, plans: list[RowPlan], record: RecordSchema
) -> dict:
    """Cost per accepted row seen in the preview (the first plans), projected over all rows."""
    accepted = sum(
        1
        for r, plan in zip(preview, plans)
        if r.message is not None and parse_reply(r.message, record, plan.fixed)[1] is None
    )
    per_row = ledger.spent_usd / accepted if accepted else None
    return {
        "preview_rows": len(preview),
        "accepted_in_preview": accepted,
        "cost_per_accepted_row_usd": round(per_row, 6) if per_row is not None else None,
        "projected_usd": round(per_row * config.rows, 4) if per_row is not None else None,
        "cap_usd": config.budget.max_usd if config.budget else None,
    }


async def _batched(
    config: AnthropicGenerator, plans: list[RowPlan], cache: RequestCache, ledger: Ledger, client
) -> tuple[list[CallResult], dict]:
    async with client or anthropic.AsyncAnthropic(**client_options(config.timeout_seconds, max_retries=3)) as api:
        messages, errors, stats = await run_batches(
            api, cache, ledger, [(p.request, p.seed) for p in plans], config.batch_poll_seconds
        )
    keys = [request_key(p.request, p.seed) for p in plans]
    return [CallResult(messages.get(k), errors.get(k)) for k in keys], {**ledger.summary(), **stats}


def generate_with_anthropic(
    config: AnthropicGenerator,
    seed_rows: list[dict],
    cache: RequestCache | None = None,
    on_row: Callable[[dict], None] | None = None,
    client: anthropic.AsyncAnthropic | None = None,
    record: RecordSchema = INSTRUCTION,
    start: int = 0,
    stop: int | None = None,
) -> tuple[list[dict], list[dict], dict]:
    """Candidate rows of the record and rejected samples of rows start..stop (default all), in row order, and
    what the calls cost. Raises BudgetExceeded or CircuitOpen after the calls in flight finish; every response
    received is in the cache for the rerun."""
    plans = plan_rows(config, seed_rows, record, start, stop)
    ledger = Ledger(
        {config.model: config.prices} if config.prices else {}, cap_usd=config.budget.max_usd if config.budget else None
    )
    if config.mode == "batch":
        results, summary = asyncio.run(_batched(config, plans, cache or RequestCache(":memory:"), ledger, client))
    else:
        tell = (lambda: on_row(ledger.summary())) if on_row else None  # each row, with the spend so far
        if config.limits.account:
            from tasks.llm.shared_limits import declare_shared_limits

            declare_shared_limits(config.limits)
        results, summary = asyncio.run(_online(config, plans, cache, ledger, tell, client, record))
    batch = config.mode == "batch"
    rows = [row_from_result(config, plan, result, batch, record) for plan, result in zip(plans, results)]
    return [r for r in rows if col.REASON not in r], [r for r in rows if col.REASON in r], summary
