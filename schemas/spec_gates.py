"""The gates section of a spec: GX suites and expectations, validators, privacy, judges and human verdicts."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, StrictInt, field_validator

from schemas.spec_base import Strict


class CodeCheck(Strict):
    categories: list[str] = Field(min_length=1, description="rows of these categories must hold Python that runs")
    timeout_seconds: float = Field(default=5, gt=0, le=60)
    memory_mb: StrictInt = Field(default=256, ge=32)
    parallel_runs: StrictInt = Field(
        default=8, ge=1, le=64, description="sandboxes run at once, each snippet still in its own sandbox"
    )


class Validators(Strict):
    refusals: bool = True
    forbidden_strings: list[str] = []
    output_json_schema: Path | None = None
    arithmetic_categories: list[str] = Field(
        default=[], description="rows whose GSM8K-style <<a+b=c>> and #### answer must compute"
    )
    code: CodeCheck | None = None


PiiDetector = Literal["email", "phone", "payment_card", "bank_account", "national_id", "ip_address", "secret"]


class Privacy(Strict):
    """The privacy gate (tasks/privacy/): rows with personal data or secrets are quarantined as pii_<detector>."""

    detectors: list[PiiDetector] = [
        "email",
        "phone",
        "payment_card",
        "bank_account",
        "national_id",
        "ip_address",
        "secret",
    ]
    phone_regions: list[str] = Field(
        default=["US", "GB"], min_length=1, description="how phone numbers without a +country code are read"
    )
    memorisation_ngram_size: StrictInt = Field(default=10, ge=4, le=64)
    memorisation_threshold: float = Field(
        default=0.5, gt=0, le=1, description="share of a row's n-grams copied from one seed row"
    )

    @field_validator("phone_regions")
    @classmethod
    def _known_regions(cls, regions: list[str]) -> list[str]:
        import phonenumbers

        unknown = [r for r in regions if r not in phonenumbers.SUPPORTED_REGIONS]
        if unknown:
            raise ValueError(f"unknown phone regions {unknown} (use ISO 3166 codes such as US, GB, DE)")
        return regions


class Judge(Strict):
    name: str = Field(pattern=r"^[a-z0-9_-]+$")
    model: str


class JudgeCalls(Strict):
    """How judge calls go through the engine (tasks/llm/engine.py)."""

    concurrency: StrictInt = Field(default=4, ge=1, le=64)
    max_tokens: StrictInt = Field(default=512, ge=16)
    timeout_seconds: float = Field(default=60, gt=0)
    requests_per_minute: float | None = Field(default=50, gt=0)
    max_attempts: StrictInt = Field(default=6, ge=1, le=20)
    retry_base_seconds: float = Field(default=0.5, gt=0)
    prices: dict[str, dict[Literal["input", "output"], float]] = Field(
        default={}, description="per judge model, overriding schemas/model_prices.yaml"
    )


class Judging(JudgeCalls):
    judges: list[Judge] = Field(min_length=1)
    rubric: list[str] = ["relevance", "correctness", "format", "policy"]
    threshold: float = Field(default=3.5, ge=1, le=5, description="mean rubric score (1-5) a row needs")
    band: float = Field(default=0.5, ge=0, description="rows this close to the threshold go to human review")
    max_disagreement: float = Field(
        default=1.0, ge=0, description="judges further apart than this send a row to review"
    )


class ContaminationJudge(JudgeCalls):
    """An LLM asked, for each row in the borderline band of the decontamination score, whether the row
    restates its nearest eval item (as lm-sys/llm-decontaminator does)."""

    model: str
    band: float = Field(
        default=0.3, gt=0, description="rows scoring within this of the threshold, either side, are asked"
    )
    max_tokens: StrictInt = Field(default=256, ge=16)


class Gates(Strict):
    suite: str | None = Field(
        default=None,
        pattern=r"^[a-z0-9_]+$",
        description="a stored GX suite (a file in schemas/suites/, without .json); none: the suite derived from the "
        "spec's record",
    )
    expectations: list[dict[str, Any]] = Field(default=[], description="extra GX expectations: type, kwargs, meta")
    validators: Validators = Validators()
    privacy: Privacy = Privacy()
    judging: Judging | None = None
    human_verdicts: Path | None = Field(
        default=None, description="id, verdict (accept/reject), reviewer: earlier reviews"
    )
    final_expectations: list[dict[str, Any]] = Field(
        default=[],
        description="batch-level GX expectations on the rows every verify gate kept: table expectations, or column "
        "ones with `mostly`; one that fails stops the build (exit 1), nothing published",
    )
    max_reject_rate: float = Field(
        default=1.0, gt=0, le=1, description="the build fails when verify rejects a larger share"
    )
    pii_in_real: Literal["report", "refuse"] = "report"
    """personal data in the real seed rows: counted in the manifest and card (report) or fail the build; a secret in a
    seed row fails the build before it runs, either way (the generator's prompts hold seed rows)"""
