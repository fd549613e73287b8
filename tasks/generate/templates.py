"""The offline template backend: sampler columns composed by Jinja2 templates, deterministic per seed."""

from __future__ import annotations

import numpy as np
from jinja2 import TemplateError

from schemas.record_builtins import INSTRUCTION
from schemas.record_schema import RecordSchema
from schemas.record_values import typed_value
from schemas.spec import RecordTemplate, TemplateGenerator, TurnTemplate
from tasks.fingerprints import content_hash
from tasks.generate.prompts import render
from tasks.generate.rows import provenance, rejected_row, synthetic_row
from tasks.generate.sampler import draw_row, json_safe, row_seed
from tasks.quarantine import Reason


def template_hash(template: RecordTemplate) -> str:
    dumped = template.model_dump(exclude={"weight"})
    if not dumped["columns"]:
        del dumped["columns"]  # an instruction template hashes as it did before templates had columns
    return content_hash(dumped)


def template_sources(template: RecordTemplate) -> dict[str, str | list[TurnTemplate]]:
    """Column name -> the template of its value: the instruction fields when given, then `columns`."""
    legacy = {"instruction": template.instruction, "output": template.output}
    if template.instruction is not None or template.input:
        legacy["input"] = template.input
    return {name: source for name, source in legacy.items() if source is not None} | template.columns


def render_record(template: RecordTemplate, values: dict, record: RecordSchema) -> dict:
    """The record's columns for one template and one row's sampler values, each read as its declared type: generated
    columns rendered, sampler columns copied, the label from the template's category."""
    sources = template_sources(template)
    out = {}
    for name, column in record.columns.items():
        if column.source == "sampler":
            out[name] = typed_value(json_safe(values)[column.sampler or name], column)
        elif name in sources:
            source = sources[name]
            if isinstance(source, list):
                out[name] = typed_value(
                    [{"role": t.role, "content": render(t.template, values)} for t in source], column
                )
            else:
                out[name] = typed_value(render(source, values), column)
        elif name == record.label and template.category is not None:
            out[name] = template.category
        else:
            out[name] = None
    return out


def generate_from_templates(
    config: TemplateGenerator,
    seed_rows: list[dict],
    start: int = 0,
    stop: int | None = None,
    record: RecordSchema = INSTRUCTION,
) -> tuple[list[dict], list[dict]]:
    """Rows for samples start..stop (default all config.rows), and the samples whose template failed to render or
    whose value is not its column's type; each sample depends only on its index, so any range gives the same rows
    as that slice of the whole."""
    weights = np.array([t.weight for t in config.templates])
    weights = weights / weights.sum()
    hashes = [template_hash(t) for t in config.templates]
    rows, rejects = [], []
    for index in range(start, config.rows if stop is None else stop):
        seed = row_seed(config.seed, index)
        rng = np.random.default_rng(seed)
        choice = int(rng.choice(len(config.templates), p=weights))
        template = config.templates[choice]
        values = draw_row(config.samplers, rng, seed_rows, index)
        origin = provenance(
            "template", None, template.id, hashes[choice], seed, content_hash([hashes[choice], json_safe(values)])
        )
        try:
            rows.append(synthetic_row(render_record(template, values, record), origin))
        except (TemplateError, ArithmeticError, TypeError, ValueError) as error:
            rejects.append(rejected_row(origin, Reason.TEMPLATE_RENDER_ERROR, f"{type(error).__name__}: {error}"))
    return rows, rejects
