"""The dataset spec: the one thing a person edits, validated on load."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import Field, ValidationError, field_validator, model_validator

from schemas.record_builtins import BUILT_IN, built_in
from schemas.record_schema import RecordSchema
from schemas.spec_base import SpecError, Strict
from schemas.spec_errors import format_validation_error
from schemas.spec_evaluation import Evaluation, register_test_set
from schemas.spec_gates import (  # noqa: F401  (re-exported: the spec's parts are imported from here)
    CodeCheck,
    ContaminationJudge,
    Gates,
    Judge,
    Judging,
    Privacy,
    Validators,
)
from schemas.spec_generators import (  # noqa: F401
    AnthropicGenerator,
    Budget,
    CategorySampler,
    DateSampler,
    FloatSampler,
    Generator,
    IntegerSampler,
    OpenAICompatibleGenerator,
    PersonNameSampler,
    RateLimits,
    RecordTemplate,
    Sampler,
    SeedRowsSampler,
    TemplateGenerator,
    TurnTemplate,
)
from schemas.spec_sections import (  # noqa: F401
    Blend,
    Decontamination,
    Dedup,
    Diversity,
    Embeddings,
    EvalSet,
    Orchestration,
    Publish,
    SeedData,
)
from schemas.spec_yaml import parse_spec_yaml, read_spec_text


class Spec(Strict):
    dataset: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    """the dataset's name: lower-case letters, digits, - and _; versions go under <data_root>/<dataset>/"""
    purpose: str
    """what the data is for, printed on the card"""
    record: str | RecordSchema = Field(
        default="instruction", json_schema_extra=lambda schema: record_json_schema(schema)
    )
    """the row's columns: a built-in (instruction, conversation, preference, labelled, extraction) or a mapping
    (name, columns, label, text_fields; `extends: <built-in>` starts from one and overrides its columns)"""
    use_limits: list[str] = Field(min_length=1, description="what the data must not be used for")
    seed_data: SeedData
    """the real rows that anchor the blend and feed samplers and few-shot exemplars"""
    eval_sets: list[EvalSet] = Field(min_length=1)
    """held-out eval sets nothing published may copy or rephrase"""
    generator: Generator
    """how candidates are made: template (offline), anthropic or openai"""
    gates: Gates = Gates()
    """verification: GX expectations, validators, privacy, judges"""
    embeddings: Embeddings = Embeddings()
    """the sentence encoder dedup and decontamination share"""
    dedup: Dedup = Dedup()
    """exact and near duplicates, within the build and against earlier versions"""
    decontamination: Decontamination = Decontamination()
    """how rows are checked against the eval sets"""
    blend: Blend
    """how synthetic rows are mixed with the real ones"""
    publish: Publish = Publish()
    """where and how versions are published"""
    orchestration: Orchestration = Orchestration()
    """which Prefect task runner the stages use"""
    evaluation: Evaluation | None = None
    """a downstream test on a real held-out test set that a version must pass to become LATEST (optional)"""

    @model_validator(mode="before")
    @classmethod
    def _test_set_is_an_eval_set(cls, raw: Any) -> Any:
        return register_test_set(raw)

    @field_validator("record", mode="before")
    @classmethod
    def _known_record(cls, record: Any) -> Any:
        if isinstance(record, str) and record not in BUILT_IN:
            raise ValueError(f"no built-in record {record!r} (known: {', '.join(BUILT_IN)})")
        return extend_record(record) if isinstance(record, dict) and "extends" in record else record

    @property
    def record_schema(self) -> RecordSchema:
        """The declared record, resolved."""
        return built_in(self.record) if isinstance(self.record, str) else self.record

    @field_validator("eval_sets")
    @classmethod
    def _unique_eval_names(cls, sets: list[EvalSet]) -> list[EvalSet]:
        names = [s.name for s in sets]
        if len(names) != len(set(names)):
            raise ValueError(f"eval set names must be unique, got {names}")
        return sets

    @model_validator(mode="after")
    def _judges_differ_from_the_generator(self) -> Spec:
        generator_model = getattr(self.generator, "model", None)
        for judge in self.gates.judging.judges if self.gates.judging else []:
            if judge.model == generator_model:
                raise ValueError(
                    f"gates.judging: judge {judge.name} uses the generator's model {generator_model}; a judge must be "
                    "a different model"
                )
        if self.decontamination.llm_judge and self.decontamination.llm_judge.model == generator_model:
            raise ValueError(
                f"decontamination.llm_judge uses the generator's model {generator_model}; a judge must be a different "
                "model"
            )
        return self

    @model_validator(mode="after")
    def _record_fits_the_spec(self) -> Spec:
        record = self.record_schema
        missing = {c: s for c, s in record.sampled().items() if s not in self.generator.samplers}
        if missing:
            column, sampler = next(iter(missing.items()))
            raise ValueError(f"record.columns.{column}: copies sampler {sampler!r}, which generator.samplers lacks")
        for field in ("stratify_by",):
            if (value := getattr(self.blend, field)) is not None and value not in record.columns:
                raise ValueError(f"blend.{field}: no column {value!r} in the record")
        validators = self.gates.validators
        if (validators.output_json_schema or validators.arithmetic_categories or validators.code) and (
            "output" not in record.columns
        ):
            raise ValueError("gates.validators: output_json_schema, arithmetic and code read an output column")
        if self.blend.balance_labels and record.label is None:
            raise ValueError("blend.balance_labels: the record declares no label")
        return self

    @model_validator(mode="after")
    def _ranges_are_ordered(self) -> Spec:
        for name, sampler in self.generator.samplers.items():
            low, high = getattr(sampler, "min", None), getattr(sampler, "max", None)
            if low is None and isinstance(sampler, DateSampler):
                low, high = sampler.start, sampler.end
            if low is not None and low > high:
                raise ValueError(f"generator.samplers.{name}: lower bound {low} is above upper bound {high}")
        return self


def record_json_schema(schema: dict) -> None:
    """Editors see the record's three forms: a built-in's name, a full mapping, or `extends` with overrides (which
    the validator turns into a full mapping before pydantic reads it)."""
    named, *mapping = schema["anyOf"]
    named["enum"] = list(BUILT_IN)
    extension = {
        "type": "object",
        "required": ["extends"],
        "additionalProperties": False,
        "properties": {
            "extends": {"enum": list(BUILT_IN)},
            "name": {"type": "string"},
            "label": {"type": ["string", "null"]},
            "text_fields": {"type": "array", "items": {"type": "string"}},
            "columns": {"type": "object", "additionalProperties": {"type": "object"}},
        },
    }
    schema["anyOf"] = [named, *mapping, extension]


def extend_record(raw: dict) -> dict:
    """A record mapping with `extends: <built-in>`: the built-in's declaration, its columns updated by the mapping's."""
    base_name = raw["extends"]
    if base_name not in BUILT_IN:
        raise ValueError(f"extends: no built-in record {base_name!r} (known: {', '.join(BUILT_IN)})")
    base = built_in(base_name).model_dump(exclude_defaults=True)
    columns = {n: {**c, **raw.get("columns", {}).get(n, {})} for n, c in base["columns"].items()}
    columns |= {n: c for n, c in raw.get("columns", {}).items() if n not in columns}
    rest = {k: v for k, v in raw.items() if k not in ("extends", "columns")}
    return {**base, **rest, "columns": columns}


def resolve_record(record: str | RecordSchema, resolve) -> str | RecordSchema:
    """JSON Schema files of json columns resolved against the spec's folder."""
    if isinstance(record, str):
        return record
    columns = {
        name: c.model_copy(update={"json_schema": resolve(c.json_schema)}) if isinstance(c.json_schema, Path) else c
        for name, c in record.columns.items()
    }
    return record.model_copy(update={"columns": columns})


def parse_spec(raw: dict, base_dir: Path, source: str = "spec") -> Spec:
    """Validate a spec mapping; relative paths are resolved against base_dir."""
    if not isinstance(raw, dict):
        raise SpecError(f"{source}: expected a mapping at the top level, got {type(raw).__name__}")
    try:
        spec = Spec.model_validate(raw)
    except ValidationError as error:
        raise SpecError(f"{source}: {format_validation_error(error, raw)}") from None

    def resolve(path: Path | None) -> Path | None:
        return path if path is None or path.is_absolute() else (base_dir / path).resolve()

    gates = spec.gates
    validators = gates.validators.model_copy(
        update={"output_json_schema": resolve(gates.validators.output_json_schema)}
    )
    return spec.model_copy(
        update={
            "record": resolve_record(spec.record, resolve),
            "seed_data": spec.seed_data.model_copy(update={"path": resolve(spec.seed_data.path)}),
            "eval_sets": [e.model_copy(update={"path": resolve(e.path)}) for e in spec.eval_sets],
            "evaluation": spec.evaluation
            and spec.evaluation.model_copy(update={"test_set": resolve(spec.evaluation.test_set)}),
            "gates": gates.model_copy(
                update={"validators": validators, "human_verdicts": resolve(gates.human_verdicts)}
            ),
        }
    )


def apply_overrides(raw: dict, overrides: dict[str, Any]) -> dict:
    """Set dotted fields ("generator.rows": 50) on a raw spec; validation then names any bad one."""
    for dotted, value in overrides.items():
        node = raw
        *parents, last = dotted.split(".")
        try:
            for key in parents:
                node = node.setdefault(key, {}) if isinstance(node, dict) else node[int(key)]
                if not isinstance(node, (dict, list)):
                    raise SpecError(f"override {dotted}: {key} is not a mapping")
            if isinstance(node, list):
                node[int(last)] = value
            else:
                node[last] = value
        except (ValueError, IndexError) as error:  # a list indexed by a name, or past its end
            if isinstance(error, SpecError):
                raise
            raise SpecError(f"override {dotted}: no such field ({error})") from None
    return raw


def load_spec(path: str | Path, overrides: dict[str, Any] | None = None) -> Spec:
    """Read and validate a YAML spec file, with optional dotted overrides (structure only; see
    tasks.spec_inputs for the files it names)."""
    path = Path(path)
    try:
        raw = parse_spec_yaml(read_spec_text(path))
    except SpecError as error:
        message = str(error)
        raise SpecError(message if message.startswith(f"{path}:") else f"{path}: {message}") from None
    if overrides and isinstance(raw, dict):
        raw = apply_overrides(raw, overrides)
    try:
        return parse_spec(raw, path.resolve().parent, source=str(path))
    except SpecError as error:
        raise SpecError(named_with_overrides(str(error).removeprefix(f"{path}: "), path, overrides or {})) from None


def named_with_overrides(message: str, path: Path, overrides: dict[str, Any]) -> str:
    """A spec error said of what set the field: `--set KEY` when the field is one an override set (or lies under
    it), else the file, naming the overrides applied to it."""
    field = message.split(": ", 1)[0]
    if any(field == key or field.startswith(f"{key}.") for key in overrides):
        return f"--set {message}"
    applied = f" (with --set {', '.join(overrides)})" if overrides else ""
    return f"{path}{applied}: {message}"


def dump_spec(spec: Spec) -> str:
    """The resolved spec as YAML, written next to every published version."""
    return yaml.safe_dump(spec.model_dump(mode="json"), sort_keys=False, allow_unicode=True)
