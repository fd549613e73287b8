"""The OpenAI-compatible backend, for local servers (vLLM, Ollama, llama.cpp's server): the `openai` SDK
pointed at OPENAI_BASE_URL, the record forced through a function tool, responses in the request cache."""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import openai
from pydantic import SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from schemas import records as col
from schemas.records import InstructionRecord, instruction_tool_schema
from schemas.spec import OpenAICompatibleGenerator
from tasks.fingerprints import content_hash
from tasks.generate.prompts import render
from tasks.generate.rows import provenance, rejected_row, synthetic_row
from tasks.generate.sampler import draw_row, row_seed
from tasks.llm.request_cache import RequestCache, request_key
from tasks.quarantine import Reason

TOOL_NAME = "emit_record"


class OpenAISettings(BaseSettings):
    """Where the server is; local servers ignore the key, so it may stay unset."""

    model_config = SettingsConfigDict(extra="ignore")

    openai_base_url: str
    openai_api_key: SecretStr = SecretStr("unused-by-local-servers")


def build_chat_request(config: OpenAICompatibleGenerator, values: dict[str, Any], seed: int) -> dict[str, Any]:
    return {
        "model": config.model,
        "max_tokens": config.max_tokens,
        "temperature": config.temperature,
        "seed": seed,
        "messages": [
            {"role": "system", "content": config.system_prompt},
            {"role": "user", "content": render(config.prompt, values)},
        ],
        "tools": [
            {
                "type": "function",
                "function": {
                    "name": TOOL_NAME,
                    "description": "Emit one training record.",
                    "parameters": instruction_tool_schema(),
                },
            }
        ],
        "tool_choice": {"type": "function", "function": {"name": TOOL_NAME}},
    }


def parse_chat_reply(reply: dict[str, Any]) -> tuple[dict | None, str | None, str | None]:
    """(record, None, None) for a usable reply, else (None, reason, detail)."""
    choice = (reply.get("choices") or [{}])[0]
    if choice.get("finish_reason") == "length":
        return None, Reason.LLM_TRUNCATED, "reply cut off at max_tokens"
    calls = [
        c
        for c in (choice.get("message") or {}).get("tool_calls") or []
        if c.get("function", {}).get("name") == TOOL_NAME
    ]
    if not calls:
        return None, Reason.LLM_NO_TOOL_CALL, f"reply had no {TOOL_NAME} call"
    try:
        record = InstructionRecord.model_validate(json.loads(calls[0]["function"]["arguments"]))
    except (json.JSONDecodeError, ValidationError) as error:
        return None, Reason.LLM_INVALID_RECORD, str(error).replace("\n", " ")[:500]
    return record.model_dump(), None, None


def generate_with_openai(
    config: OpenAICompatibleGenerator,
    seed_rows: list[dict],
    cache: RequestCache | None = None,
    on_row: Callable[[dict], None] | None = None,
) -> tuple[list[dict], list[dict], dict]:
    """Candidate rows and rejected samples, in row order; the SDK retries 429s and 5xx with backoff."""
    settings = OpenAISettings()
    client = openai.OpenAI(
        base_url=settings.openai_base_url,
        api_key=settings.openai_api_key.get_secret_value(),
        timeout=config.timeout_seconds,
        max_retries=config.max_attempts - 1,
    )
    template_hash = content_hash([config.system_prompt, config.prompt])

    def send(request: dict[str, Any]) -> dict[str, Any]:
        return client.chat.completions.create(**request).model_dump()

    def one(index: int) -> dict:
        seed = row_seed(config.seed, index)
        request = build_chat_request(
            config, draw_row(config.samplers, np.random.default_rng(seed), seed_rows, index), seed
        )
        origin = provenance("openai", config.model, config.prompt_id, template_hash, seed, request_key(request, seed))
        try:
            reply = cache.fetch(request, send, salt=seed) if cache is not None else send(request)
        except openai.APIError as error:
            row = rejected_row(origin, Reason.LLM_REQUEST_FAILED, f"{type(error).__name__}: {error}")
        else:
            usage = reply.get("usage") or {}
            spent = {
                col.INPUT_TOKENS: usage.get("prompt_tokens"),
                col.OUTPUT_TOKENS: usage.get("completion_tokens"),
                col.STOP_REASON: (reply.get("choices") or [{}])[0].get("finish_reason"),
            }
            record, reason, detail = parse_chat_reply(reply)
            row = (
                {**rejected_row(origin, str(reason), str(detail)), **spent}
                if record is None
                else synthetic_row({**record, col.CATEGORY: config.category}, {**origin, **spent})
            )
        if on_row:
            on_row({})
        return row

    with ThreadPoolExecutor(max_workers=config.concurrency) as pool:
        rows = list(pool.map(one, range(config.rows)))
    summary = {
        "from_cache": cache.hits if cache is not None else 0,
        "sent": cache.misses if cache is not None else config.rows,
    }
    return [r for r in rows if col.REASON not in r], [r for r in rows if col.REASON in r], summary
