"""The offline template backend: sampler columns composed by Jinja2 templates, deterministic per seed."""

from __future__ import annotations

import numpy as np
from jinja2 import TemplateError

from schemas import records as col
from schemas.spec import RecordTemplate, TemplateGenerator
from tasks.fingerprints import content_hash
from tasks.generate.prompts import render
from tasks.generate.rows import provenance, rejected_row, synthetic_row
from tasks.generate.sampler import draw_row, json_safe, row_seed
from tasks.quarantine import Reason


def template_hash(template: RecordTemplate) -> str:
    return content_hash(template.model_dump(exclude={"weight"}))


def render_record(template: RecordTemplate, values: dict) -> dict[str, str]:
    """The record fields of one template rendered with one row's sampler values."""
    return {
        col.INSTRUCTION: render(template.instruction, values),
        col.INPUT: render(template.input, values),
        col.OUTPUT: render(template.output, values),
        col.CATEGORY: template.category,
    }


def generate_from_templates(
    config: TemplateGenerator, seed_rows: list[dict], start: int = 0, stop: int | None = None
) -> tuple[list[dict], list[dict]]:
    """Rows for samples start..stop (default all config.rows), and the samples whose template failed to render;
    each sample depends only on its index, so any range gives the same rows as that slice of the whole."""
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
            rows.append(synthetic_row(render_record(template, values), origin))
        except (TemplateError, ArithmeticError, TypeError, ValueError) as error:
            rejects.append(rejected_row(origin, Reason.TEMPLATE_RENDER_ERROR, f"{type(error).__name__}: {error}"))
    return rows, rejects
