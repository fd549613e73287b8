"""The cost ledger: tokens and dollars of every LLM call, priced from schemas/model_prices.yaml."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import yaml

from schemas.records import SCHEMAS_DIR

PRICES_PATH = SCHEMAS_DIR / "model_prices.yaml"


class BudgetExceeded(RuntimeError):
    """The spend reached the spec's cap; stored responses make a rerun with a higher cap resume."""


@lru_cache(maxsize=1)
def price_table() -> dict:
    return yaml.safe_load(PRICES_PATH.read_text())


def model_prices(model: str, override: Mapping[Any, float] | None = None) -> dict[str, float]:
    """input and output USD per million tokens; KeyError names the model when it has no price."""
    if override:
        return dict(override)
    models = price_table()["models"]
    if model not in models:
        raise KeyError(
            f"no price for model {model!r} in {PRICES_PATH.name} (known: {', '.join(sorted(models))}); set "
            "generator.prices"
        )
    return models[model]


def request_cost(usage: dict, prices: dict[str, float], batch: bool) -> float:
    """USD of one call from its usage: plain input, cache writes, cache reads and output."""
    table = price_table()
    per_token = {k: v / 1_000_000 for k, v in prices.items()}
    cost = (
        usage.get("input_tokens", 0) * per_token["input"]
        + (usage.get("cache_creation_input_tokens") or 0) * per_token["input"] * table["cache_write_multiplier"]
        + (usage.get("cache_read_input_tokens") or 0) * per_token["input"] * table["cache_read_multiplier"]
        + usage.get("output_tokens", 0) * per_token["output"]
    )
    return cost * (table["batch_discount"] if batch else 1.0)


@dataclass
class Ledger:
    price_overrides: Mapping[str, Mapping[Any, float]] = field(default_factory=dict)
    cap_usd: float | None = None
    spent_usd: float = 0.0
    tokens: dict[str, int] = field(default_factory=lambda: {"input": 0, "output": 0, "cache_write": 0, "cache_read": 0})
    requests: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, usage: dict, model: str, batch: bool) -> float:
        cost = request_cost(usage, model_prices(model, self.price_overrides.get(model)), batch)
        with self._lock:
            self.spent_usd += cost
            self.requests += 1
            self.tokens["input"] += usage.get("input_tokens", 0)
            self.tokens["output"] += usage.get("output_tokens", 0)
            self.tokens["cache_write"] += usage.get("cache_creation_input_tokens") or 0
            self.tokens["cache_read"] += usage.get("cache_read_input_tokens") or 0
        return cost

    def check(self) -> None:
        if self.cap_usd is not None and self.spent_usd >= self.cap_usd:
            raise BudgetExceeded(
                f"spent ${self.spent_usd:.4f} of the ${self.cap_usd:.4f} cap on {self.requests} requests; raise "
                "generator.budget.max_usd and rerun to resume"
            )

    def summary(self) -> dict:
        return {"requests": self.requests, "spent_usd": round(self.spent_usd, 6), "tokens": dict(self.tokens)}
