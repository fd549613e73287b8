"""Declared records from the LLM backends against the fake servers: a conversation and an extraction record on
Anthropic (Messages and Message Batches) and on the OpenAI-compatible backend, typed as declared, and bad replies
quarantined naming their column."""

import json
import re
from collections import Counter
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from schemas import records as col
from schemas.record_builtins import CONVERSATION, EXTRACTION
from schemas.record_derived import MESSAGE, quarantine_schema, row_schema
from schemas.record_schema import Column, RecordSchema
from schemas.spec import AnthropicGenerator, OpenAICompatibleGenerator
from tasks.generate.anthropic import generate_with_anthropic
from tasks.generate.openai_compatible import generate_with_openai
from tasks.llm.request_cache import RequestCache
from tasks.tables import write_parquet
from tests.helpers.fake_anthropic import FakeAnthropic
from tests.helpers.fake_openai import FakeOpenAI

ROOT = Path(__file__).resolve().parents[2]
INVOICE = EXTRACTION.model_copy(
    update={
        "columns": EXTRACTION.columns
        | {"extracted": Column(type="json", json_schema=ROOT / "deployments" / "data" / "invoice.schema.json")}
    }
)
COMMON = {
    "seed": 2,
    "model": "test-model",
    "prompt_id": "shaped",
    "category": "support",
    "system_prompt": "You write training data.",
    "prompt": "topic={{ topic }} n={{ n }} mode={{ mode }}",
}


def samplers(modes: list[str]) -> dict:
    return {
        "topic": {"type": "category", "values": {"tides": 1, "jazz": 1, "glaciers": 1}},
        "n": {"type": "integer", "min": 1, "max": 10**6},
        "mode": {"type": "category", "values": {m: 1 for m in modes}},
    }


def anthropic_config(modes: list[str], **extra) -> AnthropicGenerator:
    return AnthropicGenerator.model_validate(
        {
            "backend": "anthropic",
            "rows": 12,
            "samplers": samplers(modes),
            "limits": {"requests_per_minute": 60_000},
            "prices": {"input": 3.0, "output": 15.0},
        }
        | COMMON
        | extra
    )


def openai_config(modes: list[str]) -> OpenAICompatibleGenerator:
    return OpenAICompatibleGenerator.model_validate(
        {"backend": "openai", "rows": 12, "samplers": samplers(modes), "max_attempts": 1} | COMMON
    )


@pytest.fixture
def anthropic_api(monkeypatch):
    with FakeAnthropic() as fake:
        monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test")
        monkeypatch.setenv("ANTHROPIC_BASE_URL", fake.url)
        yield fake


@pytest.fixture
def openai_api(monkeypatch):
    with FakeOpenAI() as fake:
        monkeypatch.setenv("OPENAI_BASE_URL", fake.url)
        yield fake


def modes_sent(requests: list[dict]) -> Counter:
    return Counter(re.search(r"mode=(\w+)", r["messages"][-1]["content"]).group(1) for r in requests)


def as_declared(rows: list[dict], rejects: list[dict], record: RecordSchema, folder: Path) -> tuple[pa.Table, ...]:
    """Rows and rejects written as the generate stage writes them and read back: fails if any value is not its
    declared type."""
    kept = pd.DataFrame(rows, columns=row_schema(record).names)
    refused = pd.DataFrame(rejects, columns=quarantine_schema(record).names)
    return (
        pq.read_table(write_parquet(kept, folder / "rows.parquet", row_schema(record))),
        pq.read_table(write_parquet(refused, folder / "quarantine.parquet", quarantine_schema(record))),
    )


def check_conversations(rows, rejects, modes: Counter, folder: Path) -> None:
    assert modes["ok"] and modes["invalid"], "every reply kind was asked for"
    kept, refused = as_declared(rows, rejects, CONVERSATION, folder)
    assert kept.schema.field("messages").type == pa.list_(MESSAGE)
    assert len(rows) == modes["ok"] and len(rejects) == modes["invalid"]
    for chat in kept.column("messages").to_pylist():
        assert [t["role"] for t in chat] == ["user", "assistant"] and all(t["content"] for t in chat)
    assert set(kept.column("category").to_pylist()) == {"support"}
    assert set(refused.column(col.REASON).to_pylist()) == {"llm_invalid_record"}
    assert set(refused.column(col.DETAIL).to_pylist()) == {"messages: 'messages' is a required property"}


def check_invoices(rows, rejects, modes: Counter, folder: Path) -> None:
    assert modes["ok"] and modes["invalid"] and modes["off_schema"], "every reply kind was asked for"
    kept, refused = as_declared(rows, rejects, INVOICE, folder)
    assert len(rows) == modes["ok"] and len(rejects) == modes["invalid"] + modes["off_schema"]
    for extracted in kept.column("extracted").to_pylist():
        invoice = json.loads(extracted)
        assert (
            invoice["date"] == "2024-05-17"
            and invoice["total"] == 12.5
            and invoice["currency"] in {"EUR", "GBP", "USD", "PLN", "JPY", "CAD", "CHF"}
        )
    reasons = Counter(zip(refused.column(col.REASON).to_pylist(), refused.column(col.DETAIL).to_pylist()))
    assert reasons == {
        ("llm_invalid_record", "extracted: 'extracted' is a required property"): modes["invalid"],
        ("json_schema_violation", "extracted.vendor: 12345 is not of type 'string'"): modes["off_schema"],
    }
    # A reply that breaks the column's JSON Schema is kept in the quarantine as the LLM wrote it.
    violations = refused.filter(pc.equal(refused.column(col.REASON), "json_schema_violation"))
    assert all(json.loads(v)["vendor"] == 12345 for v in violations.column("extracted").to_pylist())


def test_anthropic_writes_conversations(anthropic_api, tmp_path):
    rows, rejects, _ = generate_with_anthropic(
        anthropic_config(["ok", "invalid"]), [], RequestCache(tmp_path / "c.sqlite"), record=CONVERSATION
    )
    modes = modes_sent(anthropic_api.requests)
    assert all("category" not in r["tools"][0]["input_schema"]["properties"] for r in anthropic_api.requests)
    check_conversations(rows, rejects, modes, tmp_path)


def test_anthropic_writes_extractions_checked_against_their_json_schema(anthropic_api, tmp_path):
    rows, rejects, _ = generate_with_anthropic(
        anthropic_config(["ok", "invalid", "off_schema"]), [], RequestCache(tmp_path / "c.sqlite"), record=INVOICE
    )
    sent = anthropic_api.requests[0]["tools"][0]["input_schema"]["properties"]["extracted"]
    assert sent["required"] == ["vendor", "invoice_number", "date", "total", "currency"]
    check_invoices(rows, rejects, modes_sent(anthropic_api.requests), tmp_path)


def test_anthropic_batches_write_conversations(anthropic_api, tmp_path):
    config = anthropic_config(["ok", "invalid"], mode="batch", batch_poll_seconds=0.05)
    rows, rejects, summary = generate_with_anthropic(
        config, [], RequestCache(tmp_path / "c.sqlite"), record=CONVERSATION
    )
    assert summary["batches"] == 1
    check_conversations(rows, rejects, modes_sent(anthropic_api.requests), tmp_path)


def test_openai_compatible_writes_conversations(openai_api, tmp_path):
    rows, rejects, _ = generate_with_openai(
        openai_config(["ok", "invalid"]), [], RequestCache(tmp_path / "c.sqlite"), record=CONVERSATION
    )
    check_conversations(rows, rejects, modes_sent(openai_api.requests), tmp_path)


def test_openai_compatible_writes_extractions_checked_against_their_json_schema(openai_api, tmp_path):
    rows, rejects, _ = generate_with_openai(
        openai_config(["ok", "invalid", "off_schema"]), [], RequestCache(tmp_path / "c.sqlite"), record=INVOICE
    )
    check_invoices(rows, rejects, modes_sent(openai_api.requests), tmp_path)
