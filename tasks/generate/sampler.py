"""Sampler columns: seeded draws that feed generation templates and prompts."""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from schemas.spec import (
    CategorySampler,
    DateSampler,
    FloatSampler,
    IntegerSampler,
    PersonNameSampler,
    Sampler,
    SeedRowsSampler,
)

NAMES_PATH = Path(__file__).resolve().parent / "data" / "first_names.txt"


@lru_cache(maxsize=1)
def shipped_names() -> tuple[str, ...]:
    return tuple(line.strip() for line in NAMES_PATH.read_text().splitlines() if line.strip())


def row_seed(spec_seed: int, row_index: int) -> int:
    """Each row has its own seed, so any one row can be reproduced alone."""
    return spec_seed * 1_000_000 + row_index


def draw_value(sampler: Sampler, rng: np.random.Generator, seed_rows: list[dict], index: int = 0) -> Any:
    """One value of one sampler column for row `index`."""
    if isinstance(sampler, CategorySampler):
        values = list(sampler.values)
        weights = np.array(list(sampler.values.values()), dtype=float)
        return values[rng.choice(len(values), p=weights / weights.sum())]
    if isinstance(sampler, IntegerSampler):
        return int(rng.integers(sampler.min, sampler.max + 1))
    if isinstance(sampler, FloatSampler):
        return round(float(rng.uniform(sampler.min, sampler.max)), sampler.decimals)
    if isinstance(sampler, PersonNameSampler):
        names = shipped_names()[: sampler.pool_size]
        return names[rng.integers(len(names))]
    if isinstance(sampler, DateSampler):
        span = (sampler.end - sampler.start).days
        return sampler.start + timedelta(days=int(rng.integers(span + 1)))
    if isinstance(sampler, SeedRowsSampler):
        size = min(sampler.size, len(seed_rows))
        if sampler.order == "sequential":
            picked = [seed_rows[(index * size + k) % len(seed_rows)] for k in range(size)]
        else:
            picked = [seed_rows[i] for i in rng.choice(len(seed_rows), size=size, replace=False)]
        return picked[0] if sampler.size == 1 else picked
    raise TypeError(f"unknown sampler {type(sampler).__name__}")


def draw_row(
    samplers: dict[str, Sampler], rng: np.random.Generator, seed_rows: list[dict], index: int = 0
) -> dict[str, Any]:
    """Values of every sampler column for row `index`, drawn in the spec's order."""
    return {name: draw_value(sampler, rng, seed_rows, index) for name, sampler in samplers.items()}


def json_safe(values: dict[str, Any]) -> dict[str, Any]:
    """Sampler values as JSON-friendly types, for hashing and provenance."""
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in values.items()}
