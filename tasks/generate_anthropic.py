"""The Anthropic Messages backend: structured output through a forced tool call."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

import anthropic
import numpy as np
from pydantic import SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from schemas import records as col
from schemas.records import InstructionRecord, instruction_tool_schema
from schemas.spec import AnthropicGenerator
from tasks.generated_rows import rejected_row, synthetic_row
from tasks.llm_cache import RequestCache
from tasks.prompts import content_hash, render
from tasks.sampler import draw_row, json_safe, row_seed

TOOL_NAME = "emit_record"


class AnthropicSettings(BaseSettings):
    """Credentials come from the environment, never from a spec."""

    model_config = SettingsConfigDict(extra="ignore")

    anthropic_api_key: SecretStr
    anthropic_base_url: str | None = None


def build_request(config: AnthropicGenerator, values: dict[str, Any]) -> dict[str, Any]:
    """The Messages API request for one row: the prompt rendered with its sampler values, the tool forced."""
    return {
        "model": config.model,
        "max_tokens": config.max_tokens,
        "system": config.system_prompt,
        "messages": [{"role": "user", "content": render(config.prompt, values)}],
        "tools": [
            {"name": TOOL_NAME, "description": "Emit one training record.", "input_schema": instruction_tool_schema()}
        ],
        "tool_choice": {"type": "tool", "name": TOOL_NAME},
    }


def parse_reply(message: dict[str, Any]) -> tuple[dict | None, str | None, str | None]:
    """(record, None, None) for a usable reply, else (None, reason, detail)."""
    if message.get("stop_reason") == "max_tokens":
        return None, "llm_truncated", "reply cut off at max_tokens"
    calls = [b for b in message.get("content", []) if b.get("type") == "tool_use" and b.get("name") == TOOL_NAME]
    if not calls:
        kinds = [b.get("type") for b in message.get("content", [])]
        return None, "llm_no_tool_call", f"reply had no {TOOL_NAME} call (blocks: {kinds})"
    try:
        record = InstructionRecord.model_validate(calls[0].get("input"))
    except ValidationError as error:
        return None, "llm_invalid_record", str(error).replace("\n", " ")
    return record.model_dump(), None, None


def make_client(timeout_seconds: float) -> anthropic.Anthropic:
    """A Messages API client from the environment's key and base URL."""
    settings = AnthropicSettings()
    return anthropic.Anthropic(
        api_key=settings.anthropic_api_key.get_secret_value(),
        base_url=settings.anthropic_base_url,
        timeout=timeout_seconds,
        max_retries=3,
    )


def _generate_one(client: anthropic.Anthropic, config: AnthropicGenerator, index: int, seed_rows: list[dict], cache: RequestCache | None) -> dict:
    seed = row_seed(config.seed, index)
    values = draw_row(config.samplers, np.random.default_rng(seed), seed_rows)
    request = build_request(config, values)
    provenance = {
        col.GENERATOR: "anthropic",
        col.MODEL: config.model,
        col.TEMPLATE_ID: config.prompt_id,
        col.TEMPLATE_HASH: content_hash([config.system_prompt, config.prompt]),
        col.SAMPLE_SEED: seed,
        col.REQUEST_HASH: content_hash([request, seed, json_safe(values)]),
    }
    send = lambda r: client.messages.create(**r).model_dump()  # noqa: E731
    try:
        message = cache.fetch(request, send, salt=seed) if cache else send(request)
    except anthropic.APIError as error:
        return rejected_row(provenance, "llm_request_failed", f"{type(error).__name__}: {error}")
    record, reason, detail = parse_reply(message)
    if record is None:
        return rejected_row(provenance, reason, detail)
    return synthetic_row({**record, col.CATEGORY: config.category}, {**provenance, col.MODEL: message.get("model") or config.model})


def generate_with_anthropic(
    config: AnthropicGenerator,
    seed_rows: list[dict],
    client: anthropic.Anthropic | None = None,
    cache: RequestCache | None = None,
    on_row: Callable[[], None] | None = None,
) -> tuple[list[dict], list[dict]]:
    """Candidate rows and rejected samples, in row order, with config.concurrency requests in flight;
    responses already in the cache are not requested again. on_row is called as each row finishes."""
    client = client or make_client(config.timeout_seconds)

    def one(index: int) -> dict:
        row = _generate_one(client, config, index, seed_rows, cache)
        if on_row:
            on_row()
        return row

    with ThreadPoolExecutor(max_workers=config.concurrency) as pool:
        results = list(pool.map(one, range(config.rows)))
    rows = [r for r in results if col.REASON not in r]
    rejects = [r for r in results if col.REASON in r]
    return rows, rejects
