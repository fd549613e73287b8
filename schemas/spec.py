"""The dataset spec: the one thing a person edits, validated on load."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal, Union

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator


class SpecError(ValueError):
    """A spec that cannot be built; the message names the file and field."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CategorySampler(Strict):
    type: Literal["category"]
    values: dict[str, float] = Field(min_length=1, description="value -> weight")


class IntegerSampler(Strict):
    type: Literal["integer"]
    min: int
    max: int


class FloatSampler(Strict):
    type: Literal["float"]
    min: float
    max: float
    decimals: int = Field(default=2, ge=0, le=10)


class PersonNameSampler(Strict):
    type: Literal["person_name"]
    pool_size: int | None = Field(default=None, ge=1, description="draw from the first N shipped names")


class DateSampler(Strict):
    type: Literal["date"]
    start: date
    end: date


class SeedRowsSampler(Strict):
    type: Literal["seed_rows"]
    size: int = Field(default=1, ge=1)
    order: Literal["random", "sequential"] = Field(default="random", description="sequential: row i gets seed rows i*size.., cycling")


Sampler = Annotated[
    Union[CategorySampler, IntegerSampler, FloatSampler, PersonNameSampler, DateSampler, SeedRowsSampler],
    Field(discriminator="type"),
]


class RecordTemplate(Strict):
    id: str = Field(pattern=r"^[a-z0-9_]+$")
    weight: float = Field(default=1.0, gt=0)
    category: str
    instruction: str
    input: str = ""
    output: str


class TemplateGenerator(Strict):
    backend: Literal["template"]
    rows: int = Field(ge=1)
    seed: int = 0
    samplers: dict[str, Sampler] = {}
    templates: list[RecordTemplate] = Field(min_length=1)


class RateLimits(Strict):
    requests_per_minute: float | None = Field(default=50, gt=0)
    input_tokens_per_minute: float | None = Field(default=None, gt=0)
    output_tokens_per_minute: float | None = Field(default=None, gt=0)


class Budget(Strict):
    max_usd: float = Field(gt=0, description="hard cap: the run stops, resumable, when the spend reaches it")
    preview_rows: int = Field(default=20, ge=1, description="rows generated first to estimate the cost per accepted row")


class AnthropicGenerator(Strict):
    backend: Literal["anthropic"]
    rows: int = Field(ge=1)
    seed: int = 0
    model: str
    samplers: dict[str, Sampler] = {}
    prompt_id: str = Field(pattern=r"^[a-z0-9_]+$")
    category: str
    system_prompt: str
    prompt: str = Field(description="Jinja2 template of the user turn; sampler columns are its variables")
    exemplars: int = Field(default=0, ge=0, description="seed rows shown as few-shot examples in the cached system prefix")
    rotate_every: int = Field(default=50, ge=1, description="rows that share one set of exemplars")
    max_tokens: int = Field(default=1024, ge=1)
    mode: Literal["online", "batch"] = "online"
    limits: RateLimits = RateLimits()
    concurrency: int = Field(default=4, ge=1, le=256, description="requests in flight at the start (AIMD adapts it)")
    max_concurrency: int = Field(default=32, ge=1, le=256)
    max_attempts: int = Field(default=6, ge=1, le=20)
    retry_base_seconds: float = Field(default=0.5, gt=0, description="first backoff; doubled per attempt, with full jitter")
    timeout_seconds: float = Field(default=60, gt=0)
    prompt_caching: bool = True
    budget: Budget | None = None
    prices: dict[Literal["input", "output"], float] | None = Field(default=None, description="USD per million tokens, overriding schemas/model_prices.yaml")
    batch_poll_seconds: float = Field(default=30, gt=0)


class OpenAICompatibleGenerator(Strict):
    """A local or hosted server that speaks the OpenAI chat API (vLLM, Ollama, llama.cpp's server) at OPENAI_BASE_URL."""

    backend: Literal["openai"]
    rows: int = Field(ge=1)
    seed: int = 0
    model: str
    samplers: dict[str, Sampler] = {}
    prompt_id: str = Field(pattern=r"^[a-z0-9_]+$")
    category: str
    system_prompt: str
    prompt: str
    max_tokens: int = Field(default=1024, ge=1)
    temperature: float = Field(default=0.8, ge=0, le=2)
    concurrency: int = Field(default=8, ge=1, le=256)
    timeout_seconds: float = Field(default=120, gt=0)
    max_attempts: int = Field(default=4, ge=1, le=20)


Generator = Annotated[Union[TemplateGenerator, AnthropicGenerator, OpenAICompatibleGenerator], Field(discriminator="backend")]


class SeedData(Strict):
    path: Path


class EvalSet(Strict):
    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    path: Path
    text_field: str = "text"
    id_field: str = "id"


class CodeCheck(Strict):
    categories: list[str] = Field(min_length=1, description="rows of these categories must hold Python that runs")
    timeout_seconds: float = Field(default=5, gt=0, le=60)
    memory_mb: int = Field(default=256, ge=32)


class Validators(Strict):
    refusals: bool = True
    forbidden_strings: list[str] = []
    output_json_schema: Path | None = None
    arithmetic_categories: list[str] = Field(default=[], description="rows whose GSM8K-style <<a+b=c>> and #### answer must compute")
    code: CodeCheck | None = None


PiiDetector = Literal["email", "phone", "payment_card", "national_id", "ip_address", "secret"]


class Privacy(Strict):
    detectors: list[PiiDetector] = ["email", "phone", "payment_card", "national_id", "ip_address", "secret"]
    memorisation_ngram_size: int = Field(default=10, ge=4)
    memorisation_threshold: float = Field(default=0.5, gt=0, le=1, description="share of a row's n-grams copied from one seed row")


class Judge(Strict):
    name: str = Field(pattern=r"^[a-z0-9_-]+$")
    model: str


class Judging(Strict):
    judges: list[Judge] = Field(min_length=1)
    rubric: list[str] = ["relevance", "correctness", "format", "policy"]
    threshold: float = Field(default=3.5, ge=1, le=5, description="mean rubric score (1-5) a row needs")
    band: float = Field(default=0.5, ge=0, description="rows this close to the threshold go to human review")
    max_disagreement: float = Field(default=1.0, ge=0, description="judges further apart than this send a row to review")
    concurrency: int = Field(default=4, ge=1, le=64)
    max_tokens: int = Field(default=512, ge=16)
    timeout_seconds: float = Field(default=60, gt=0)
    requests_per_minute: float | None = Field(default=50, gt=0)
    max_attempts: int = Field(default=6, ge=1, le=20)
    retry_base_seconds: float = Field(default=0.5, gt=0)
    prices: dict[str, dict[Literal["input", "output"], float]] = Field(default={}, description="per judge model, overriding schemas/model_prices.yaml")


class Gates(Strict):
    suite: str = "instruction_record"
    expectations: list[dict[str, Any]] = Field(default=[], description="extra GX expectations: type, kwargs, meta")
    validators: Validators = Validators()
    privacy: Privacy = Privacy()
    judging: Judging | None = None
    human_verdicts: Path | None = Field(default=None, description="id, verdict (accept/reject), reviewer: earlier reviews")
    final_expectations: list[dict[str, Any]] = Field(default=[], description="batch-level GX expectations on the rows every verify gate kept")
    max_reject_rate: float = Field(default=1.0, gt=0, le=1, description="the build fails when verify rejects a larger share")


class Dedup(Strict):
    near_duplicate_threshold: float = Field(default=0.95, gt=0, le=1)


class Decontamination(Strict):
    ngram_size: int = Field(default=8, ge=3)
    ngram_threshold: float = Field(default=0.5, gt=0, le=1)
    embedding_threshold: float = Field(default=0.85, gt=0, le=1)


class Blend(Strict):
    max_synthetic_share: float = Field(gt=0, le=1)
    seed: int = 0
    stratify_by: str | None = Field(default=None, description="a column whose mix the synthetic sample keeps under the cap")
    stratum_weights: dict[str, float] = Field(default={}, description="relative weight per stratify_by value (default 1)")
    include_real: bool = True
    allow_all_synthetic: bool = False
    validation_share: float = Field(default=0.1, ge=0, lt=1)

    @model_validator(mode="after")
    def _real_anchor(self) -> "Blend":
        if not self.include_real and not self.allow_all_synthetic:
            raise ValueError("an all-synthetic dataset (include_real: false) needs allow_all_synthetic: true")
        if self.stratum_weights and not self.stratify_by:
            raise ValueError("stratum_weights needs stratify_by")
        return self


class Diversity(Strict):
    clusters: int = Field(default=12, ge=2)
    tolerance: float = Field(default=0.2, ge=0, le=1, description="largest relative drop from the previous version")
    on_drop: Literal["warn", "fail"] = "warn"


class Publish(Strict):
    data_root: str = "data"
    approval: Literal["none", "required"] = "none"
    approval_timeout_hours: float = Field(default=24, gt=0)
    on_overlap: Literal["wait", "skip"] = Field(default="wait", description="when another build of the dataset is running")
    overlap_wait_minutes: float = Field(default=60, ge=0)
    keep_versions: int = Field(default=20, ge=1)
    review_after_days: int = Field(default=90, ge=1)
    diversity: Diversity = Diversity()


class Orchestration(Strict):
    task_runner: Literal["threads", "dask"] = Field(default="threads", description="dask: stages run on the cluster at SYNTHFACTORY_DASK_ADDRESS")


class Spec(Strict):
    dataset: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    purpose: str
    use_limits: list[str] = Field(min_length=1, description="what the data must not be used for")
    seed_data: SeedData
    eval_sets: list[EvalSet] = Field(min_length=1)
    generator: Generator
    gates: Gates = Gates()
    dedup: Dedup = Dedup()
    decontamination: Decontamination = Decontamination()
    blend: Blend
    publish: Publish = Publish()
    orchestration: Orchestration = Orchestration()

    @field_validator("eval_sets")
    @classmethod
    def _unique_eval_names(cls, sets: list[EvalSet]) -> list[EvalSet]:
        names = [s.name for s in sets]
        if len(names) != len(set(names)):
            raise ValueError(f"eval set names must be unique, got {names}")
        return sets

    @model_validator(mode="after")
    def _judges_differ_from_the_generator(self) -> "Spec":
        generator_model = getattr(self.generator, "model", None)
        for judge in self.gates.judging.judges if self.gates.judging else []:
            if judge.model == generator_model:
                raise ValueError(f"gates.judging: judge {judge.name} uses the generator's model {generator_model}; a judge must be a different model")
        return self

    @model_validator(mode="after")
    def _ranges_are_ordered(self) -> "Spec":
        for name, sampler in self.generator.samplers.items():
            low, high = getattr(sampler, "min", None), getattr(sampler, "max", None)
            if low is None and isinstance(sampler, DateSampler):
                low, high = sampler.start, sampler.end
            if low is not None and low > high:
                raise ValueError(f"generator.samplers.{name}: lower bound {low} is above upper bound {high}")
        return self


def _format_validation_error(error: ValidationError) -> str:
    first = error.errors()[0]
    field = ".".join(str(part) for part in first["loc"]) or "(top level)"
    return f"{field}: {first['msg']}"


def parse_spec(raw: dict, base_dir: Path, source: str = "spec") -> Spec:
    """Validate a spec mapping; relative paths are resolved against base_dir."""
    if not isinstance(raw, dict):
        raise SpecError(f"{source}: expected a mapping at the top level, got {type(raw).__name__}")
    try:
        spec = Spec.model_validate(raw)
    except ValidationError as error:
        raise SpecError(f"{source}: {_format_validation_error(error)}") from None
    resolve = lambda path: path if path is None or path.is_absolute() else (base_dir / path).resolve()  # noqa: E731
    gates = spec.gates
    validators = gates.validators.model_copy(update={"output_json_schema": resolve(gates.validators.output_json_schema)})
    return spec.model_copy(
        update={
            "seed_data": spec.seed_data.model_copy(update={"path": resolve(spec.seed_data.path)}),
            "eval_sets": [e.model_copy(update={"path": resolve(e.path)}) for e in spec.eval_sets],
            "gates": gates.model_copy(update={"validators": validators, "human_verdicts": resolve(gates.human_verdicts)}),
        }
    )


def apply_overrides(raw: dict, overrides: dict[str, Any]) -> dict:
    """Set dotted fields ("generator.rows": 50) on a raw spec; validation then names any bad one."""
    for dotted, value in overrides.items():
        node = raw
        *parents, last = dotted.split(".")
        for key in parents:
            node = node.setdefault(key, {}) if isinstance(node, dict) else node[int(key)]
            if not isinstance(node, (dict, list)):
                raise SpecError(f"override {dotted}: {key} is not a mapping")
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value
    return raw


def load_spec(path: str | Path, overrides: dict[str, Any] | None = None) -> Spec:
    """Read and validate a YAML spec file, with optional dotted overrides (structure only; see
    tasks.spec_inputs for the files it names)."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise SpecError(f"{path}: spec file not found") from None
    except yaml.YAMLError as error:
        raise SpecError(f"{path}: not valid YAML: {error}") from None
    if overrides and isinstance(raw, dict):
        raw = apply_overrides(raw, overrides)
    return parse_spec(raw, path.resolve().parent, source=str(path))


def dump_spec(spec: Spec) -> str:
    """The resolved spec as YAML, written next to every published version."""
    return yaml.safe_dump(spec.model_dump(mode="json"), sort_keys=False, allow_unicode=True)
