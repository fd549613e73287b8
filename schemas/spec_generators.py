"""The generator section of a spec: sampler columns, templates, and the LLM backends."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import Field, StrictInt, model_validator

from schemas.spec_base import Strict

MAX_ROWS = 10_000_000  # candidates one build may ask for; a bigger dataset is several builds


class CategorySampler(Strict):
    type: Literal["category"]
    values: dict[str, Annotated[float, Field(ge=0, allow_inf_nan=False)]] = Field(
        min_length=1, description="value -> weight"
    )

    @model_validator(mode="after")
    def _some_weight(self) -> CategorySampler:
        # all-zero weights leave nothing to draw (numpy's choice fails on NaN probabilities mid-build)
        if not any(self.values.values()):
            raise ValueError("values: at least one weight must be above 0")
        return self


class IntegerSampler(Strict):
    type: Literal["integer"]
    min: StrictInt
    """smallest value"""
    max: StrictInt
    """largest value"""


class FloatSampler(Strict):
    type: Literal["float"]
    min: float
    """smallest value"""
    max: float
    """largest value"""
    decimals: StrictInt = Field(default=2, ge=0, le=10)
    """rounding"""


class PersonNameSampler(Strict):
    type: Literal["person_name"]
    pool_size: StrictInt | None = Field(default=None, ge=1, description="draw from the first N shipped names")


class DateSampler(Strict):
    type: Literal["date"]
    start: date
    """first date"""
    end: date
    """last date"""


class SeedRowsSampler(Strict):
    type: Literal["seed_rows"]
    size: StrictInt = Field(default=1, ge=1, le=100)
    """seed rows drawn per candidate"""
    order: Literal["random", "sequential"] = Field(
        default="random", description="sequential: row i gets seed rows i*size.., cycling"
    )


Sampler = Annotated[
    CategorySampler | IntegerSampler | FloatSampler | PersonNameSampler | DateSampler | SeedRowsSampler,
    Field(discriminator="type"),
]


class TurnTemplate(Strict):
    role: Literal["system", "user", "assistant"]
    template: str
    """Jinja2 template of the turn's content"""


class RecordTemplate(Strict):
    id: str = Field(pattern=r"^[a-z0-9_]+$")
    """recorded as each row's template_id"""
    weight: float = Field(default=1.0, gt=0)
    """relative chance this template is chosen"""
    category: str | None = None
    """the rows' value of the record's label column"""
    instruction: str | None = None
    """Jinja2 template of the instruction (instruction records)"""
    input: str = ""
    """Jinja2 template of the input (instruction records)"""
    output: str | None = None
    """Jinja2 template of the output (instruction records)"""
    columns: dict[str, str | list[TurnTemplate]] = {}
    """any record's generated columns: a Jinja2 template per column, rendered then read as the column's type; a
    messages column takes a list of {role, template}"""


class TemplateGenerator(Strict):
    backend: Literal["template"]
    rows: StrictInt = Field(ge=1, le=MAX_ROWS)
    """candidate rows to generate"""
    seed: StrictInt = 0
    """sampling seed; the same seed gives the same rows"""
    samplers: dict[str, Sampler] = {}
    """named sampler columns the templates read"""
    templates: list[RecordTemplate] = Field(min_length=1)
    """record templates (Jinja2), chosen by weight"""


class RateLimits(Strict):
    requests_per_minute: float | None = Field(default=50, gt=0)
    """requests per minute"""
    input_tokens_per_minute: float | None = Field(default=None, gt=0)
    """input tokens per minute (none: unlimited)"""
    output_tokens_per_minute: float | None = Field(default=None, gt=0)
    """output tokens per minute (none: unlimited)"""
    account: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9-]*$")
    """a name for the API account these limits belong to: every worker and every build naming it shares them
    through Prefect global rate limits `llm-<account>-requests`, `-input-tokens` and `-output-tokens` (none: each
    process keeps its own)"""


class Budget(Strict):
    max_usd: float = Field(gt=0, description="hard cap: the run stops, resumable, when the spend reaches it")
    preview_rows: StrictInt = Field(
        default=20, ge=1, description="rows generated first to estimate the cost per accepted row"
    )


class LLMGenerator(Strict):
    """What every LLM backend shares: rows, sampler columns, and the prompt they fill."""

    rows: StrictInt = Field(ge=1, le=MAX_ROWS)
    """candidate rows to generate (one request each)"""
    seed: StrictInt = 0
    """sampling seed; the same seed gives the same requests"""
    model: str
    """the model that writes rows (judges must use another)"""
    samplers: dict[str, Sampler] = {}
    """named sampler columns the prompt reads"""
    prompt_id: str = Field(pattern=r"^[a-z0-9_]+$")
    """recorded as each row's template_id"""
    category: str
    """the rows' value of the record's label column (a sampled label, source: sampler, comes from its sampler)"""
    system_prompt: str
    """the system prompt (part of the cached prefix)"""
    prompt: str = Field(description="Jinja2 template of the user turn; sampler columns are its variables")


class AnthropicGenerator(LLMGenerator):
    backend: Literal["anthropic"]
    exemplars: StrictInt = Field(
        default=0, ge=0, description="seed rows shown as few-shot examples in the cached system prefix"
    )
    rotate_every: StrictInt = Field(default=50, ge=1, description="rows that share one set of exemplars")
    max_tokens: StrictInt = Field(default=1024, ge=1)
    """reply limit; a reply cut off is quarantined as llm_truncated"""
    mode: Literal["online", "batch"] = "online"
    """online (Messages API) or batch (Message Batches, half price)"""
    limits: RateLimits = RateLimits()
    """starting rate limits, lowered by the API's rate-limit headers"""
    concurrency: StrictInt = Field(
        default=4, ge=1, le=256, description="requests in flight at the start (AIMD adapts it)"
    )
    max_concurrency: StrictInt = Field(default=32, ge=1, le=256)
    """upper bound for AIMD concurrency"""
    max_attempts: StrictInt = Field(default=6, ge=1, le=20)
    """attempts per request before it is quarantined"""
    retry_base_seconds: float = Field(
        default=0.5, gt=0, description="first backoff; doubled per attempt, with full jitter"
    )
    timeout_seconds: float = Field(default=60, gt=0)
    """per-request timeout"""
    prompt_caching: bool = True
    """mark the system and few-shot prefix for prompt caching"""
    budget: Budget | None = None
    """a hard cost cap, with a preview of the cost per accepted row"""
    prices: dict[Literal["input", "output"], float] | None = Field(
        default=None, description="USD per million tokens, overriding schemas/model_prices.yaml"
    )
    batch_poll_seconds: float = Field(default=30, gt=0)
    """how often a batch's status is polled"""


class OpenAICompatibleGenerator(LLMGenerator):
    """A server that speaks the OpenAI chat API (vLLM, Ollama, llama.cpp's server) at OPENAI_BASE_URL."""

    backend: Literal["openai"]
    max_tokens: StrictInt = Field(default=1024, ge=1)
    temperature: float = Field(default=0.8, ge=0, le=2)
    concurrency: StrictInt = Field(default=8, ge=1, le=256)
    timeout_seconds: float = Field(default=120, gt=0)
    max_attempts: StrictInt = Field(default=4, ge=1, le=20)


Generator = Annotated[
    TemplateGenerator | AnthropicGenerator | OpenAICompatibleGenerator, Field(discriminator="backend")
]
