"""The OpenAI-compatible backend, for local servers (vLLM, Ollama, llama.cpp's server): the `openai` SDK
pointed at OPENAI_BASE_URL, the record forced through a function tool, responses in the request cache."""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import openai
from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from schemas import records as col
from schemas.record_builtins import INSTRUCTION
from schemas.record_schema import RecordSchema
from schemas.spec import OpenAICompatibleGenerator
from tasks.fingerprints import content_hash
from tasks.generate.prompts import render
from tasks.generate.record_tool import TOOL_DESCRIPTION, ReadReply, fixed_columns, read_reply, record_tool
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


def build_chat_request(
    config: OpenAICompatibleGenerator, values: dict[str, Any], seed: int, record: RecordSchema = INSTRUCTION
) -> dict[str, Any]:
    """The chat request for one row: the prompt rendered with its sampler values, the record's tool forced (asking
    for the columns the row does not have yet)."""
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
                    "description": TOOL_DESCRIPTION,
                    "parameters": record_tool(record, fixed_columns(record, values, config.category)),
                },
            }
        ],
        "tool_choice": {"type": "function", "function": {"name": TOOL_NAME}},
    }


def parse_chat_reply(reply: dict[str, Any], record: RecordSchema, fixed: dict[str, Any]) -> ReadReply:
    """(the row's record columns, None, None) for a usable reply, else (what could be read, reason, detail)."""
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
        arguments = json.loads(calls[0]["function"]["arguments"])
    except json.JSONDecodeError as error:
        return None, Reason.LLM_INVALID_RECORD, f"(reply): arguments are not JSON: {error}"[:500]
    return read_reply(arguments, record, fixed)


def generate_with_openai(
    config: OpenAICompatibleGenerator,
    seed_rows: list[dict],
    cache: RequestCache | None = None,
    on_row: Callable[[dict], None] | None = None,
    record: RecordSchema = INSTRUCTION,
    start: int = 0,
    stop: int | None = None,
) -> tuple[list[dict], list[dict], dict]:
    """Candidate rows of the record and rejected samples of rows start..stop (default all), in row order; the
    SDK retries 429s and 5xx with backoff."""
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
        values = draw_row(config.samplers, np.random.default_rng(seed), seed_rows, index)
        request = build_chat_request(config, values, seed, record)
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
            read, reason, detail = parse_chat_reply(reply, record, fixed_columns(record, values, config.category))
            row = (
                {**rejected_row(origin, reason, str(detail), read), **spent}
                if reason is not None
                else synthetic_row(read or {}, {**origin, **spent})
            )
        if on_row:
            on_row({})
        return row

    with ThreadPoolExecutor(max_workers=config.concurrency) as pool:
        rows = list(pool.map(one, range(start, config.rows if stop is None else stop)))
    summary = {
        "from_cache": cache.hits if cache is not None else 0,
        "sent": cache.misses if cache is not None else len(rows),
    }
    return [r for r in rows if col.REASON not in r], [r for r in rows if col.REASON in r], summary
