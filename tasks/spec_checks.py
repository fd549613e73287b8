"""Every check of a spec before a build starts, beyond its structure: templates against samplers and the record,
credentials in the environment, the gates' files, model prices, no secret in the spec, and the files it names
(tasks/spec_inputs.py). Each failure is a SpecError naming the field, raised before anything is written."""

from __future__ import annotations

import json
import os

import jinja2
import jsonschema
import pandas as pd
from pydantic import ValidationError

from schemas.record_derived import row_schema
from schemas.record_schema import RecordSchema
from schemas.spec import AnthropicGenerator, OpenAICompatibleGenerator, Spec, SpecError
from tasks.generate.prompts import template_variables
from tasks.generate.templates import template_sources
from tasks.spec_inputs import load_eval_items, load_real_rows
from tasks.tables import TableError
from tasks.verify.spec_expectations import (
    check_columns,
    final_configs,
    final_expectations,
    gate_configs,
    gate_expectations,
)


def _check_templates(spec: Spec) -> None:
    generator = spec.generator
    known = set(generator.samplers)
    if isinstance(generator, (AnthropicGenerator, OpenAICompatibleGenerator)):
        sources = {"generator.prompt": generator.prompt}
    else:
        sources = {}
        for i, template in enumerate(generator.templates):
            _check_template_columns(spec.record_schema, template, f"generator.templates.{i}")
            for name, source in template_sources(template).items():
                part = name if name in ("instruction", "input", "output") else f"columns.{name}"
                field = f"generator.templates.{i}.{part}"
                if isinstance(source, list):
                    sources |= {f"{field}.{t}.template": turn.template for t, turn in enumerate(source)}
                else:
                    sources[field] = source
    for field, source in sources.items():
        try:
            unknown = template_variables(source) - known
        except jinja2.TemplateSyntaxError as error:
            raise SpecError(f"{field}: template syntax error on line {error.lineno}: {error.message}") from None
        if unknown:
            raise SpecError(
                f"{field}: uses {', '.join(sorted(unknown))}, which no sampler defines (samplers: "
                f"{', '.join(sorted(known)) or 'none'})"
            )


def _check_template_columns(record: RecordSchema, template, where: str) -> None:
    """A template fills every required generated column of the record and no other."""
    sources = template_sources(template)
    for name in sources:
        if name not in record.columns or record.columns[name].source != "generated":
            raise SpecError(
                f"{where}: {name} is not a generated column of the record ({', '.join(record.generated())})"
            )
        if isinstance(sources[name], list) != (record.columns[name].type == "messages"):
            raise SpecError(f"{where}: {name}: a messages column takes a list of {{role, template}}, any other a text")
    for name in record.generated():
        given = name in sources or (name == record.label and template.category is not None)
        if record.columns[name].required and not given:
            raise SpecError(f"{where}: no template for the record's required column {name}")


def _check_gate_files(spec: Spec) -> None:
    if spec.gates.human_verdicts:
        from tasks.verify.review import load_human_verdicts

        try:
            load_human_verdicts(spec.gates.human_verdicts)
        except (TableError, ValueError) as error:
            raise SpecError(f"gates.human_verdicts: {error}") from None
    schema_path = spec.gates.validators.output_json_schema
    if schema_path:
        try:
            jsonschema.validators.validator_for(schema := json.loads(schema_path.read_text())).check_schema(schema)
        except (OSError, ValueError, jsonschema.SchemaError) as error:
            raise SpecError(
                f"gates.validators.output_json_schema: {schema_path}: {str(error).splitlines()[0]}"
            ) from None


def _check_prices(spec: Spec) -> None:
    from tasks.llm.costs import model_prices

    if isinstance(spec.generator, AnthropicGenerator):
        try:
            model_prices(spec.generator.model, spec.generator.prices)
        except KeyError as error:
            raise SpecError(f"generator.model: {error.args[0]}") from None
    judging = spec.gates.judging
    for index, judge in enumerate(judging.judges if judging else []):
        try:
            model_prices(judge.model, judging.prices.get(judge.model) if judging else None)
        except KeyError as error:
            raise SpecError(f"gates.judging.judges.{index}.model: {error.args[0]}") from None


def dask_address() -> str:
    """The Dask scheduler of `orchestration.task_runner: dask`: from the environment, never the spec."""
    address = os.environ.get("SYNTHFACTORY_DASK_ADDRESS")
    if not address:
        raise SpecError(
            "orchestration.task_runner dask: set SYNTHFACTORY_DASK_ADDRESS to the cluster's scheduler address"
        )
    return address


def _check_settings(spec: Spec) -> None:
    if spec.orchestration.task_runner == "dask":
        dask_address()
    if isinstance(spec.generator, OpenAICompatibleGenerator):
        from tasks.generate.openai_compatible import OpenAISettings

        try:
            OpenAISettings()
        except ValidationError:
            raise SpecError(
                "generator.backend openai: set OPENAI_BASE_URL to the server (e.g. http://127.0.0.1:8000/v1 for vLLM)"
            ) from None
    users = [
        name
        for name, uses in (
            ("generator.backend anthropic", isinstance(spec.generator, AnthropicGenerator)),
            ("gates.judging", bool(spec.gates.judging)),
            ("decontamination.llm_judge", spec.decontamination.llm_judge is not None),
        )
        if uses
    ]
    if users:
        from tasks.llm.anthropic_client import AnthropicSettings

        try:
            AnthropicSettings()
        except ValidationError:
            raise SpecError(f"{users[0]}: the environment variable ANTHROPIC_API_KEY is not set (or empty)") from None


def _strings(value, field: str = ""):
    """(dotted field, text) for every string in a spec dumped as JSON."""
    if isinstance(value, str):
        yield field, value
    elif isinstance(value, (dict, list)):
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in items:
            yield from _strings(item, f"{field}.{key}" if field else str(key))


def _check_no_secret(spec: Spec) -> None:
    """No secret in the spec: publish refuses one, but only after every stage ran, and one given with --set is kept
    in the Prefect flow run's parameters by then."""
    from tasks.privacy.secrets import find_secrets

    for field, text in _strings(spec.model_dump(mode="json")):
        if found := find_secrets(text):
            raise SpecError(f"{field}: holds a secret ({found[0].kind}); secrets come from the environment only")


def _check_seeds_hold_no_secret(spec: Spec, seeds: pd.DataFrame) -> None:
    """No secret in the seed rows: the generator puts them in its prompts (sent to the LLM's provider), and publish
    would refuse the version only after every stage ran."""
    from tasks.privacy.guard import first_secret_in_rows

    if found := first_secret_in_rows(seeds):
        row_id, column, kind = found
        raise SpecError(
            f"seed_data.path: {spec.seed_data.path} row {row_id!r} holds a secret ({kind}) in {column!r}; "
            "remove it from the seed file"
        )


def check_spec_inputs(spec: Spec) -> None:
    """Fail now, naming the field, for anything that would otherwise fail deep in a run."""
    _check_templates(spec)
    _check_settings(spec)
    _check_gate_files(spec)
    _check_prices(spec)
    _check_no_secret(spec)
    _check_seeds_hold_no_secret(spec, load_real_rows(spec))
    load_eval_items(spec)
    # A misspelled column fails before GX is imported.
    check_columns(gate_configs(spec) + final_configs(spec), row_schema(spec.record_schema).names)
    gate_expectations(spec)
    final_expectations(spec)
