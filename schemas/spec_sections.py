"""The spec's data and output sections: seed data, eval sets, embeddings, dedup, decontamination, blend, publish
and orchestration (the generator and gates sections are in spec_generators.py and spec_gates.py)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, StrictInt, model_validator

from schemas.spec_base import Strict
from schemas.spec_gates import ContaminationJudge


class SeedData(Strict):
    path: Path
    """real rows (JSON Lines, CSV or Parquet) with instruction, output and optional input, category, id"""


class EvalSet(Strict):
    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    """a unique name, recorded in the manifest with the file's hash"""
    path: Path
    """the eval items (JSON Lines, CSV or Parquet)"""
    text_field: str = "text"
    """the column holding each item's text"""
    id_field: str = "id"
    """the column holding each item's id (the row number when absent)"""


class Dedup(Strict):
    near_duplicate_threshold: float | None = Field(
        default=None,
        gt=0,
        lt=1,
        description="pair-scorer probability that two rows restate the same task (null: the build's own, the "
        "shipped pair model's dedup operating point lowered for pairs that both state numbers down to how close "
        "the build's rows with one number changed and its third-nearest rows come; never raised)",
    )
    against_published: bool = Field(
        default=True, description="also drop new rows that repeat a row of any earlier version"
    )
    minhash_threshold: float | None = Field(
        default=0.8,
        gt=0,
        le=1,
        description="lexical near duplicates: pairs whose estimated Jaccard of word 3-gram shingles reaches this "
        "are scored by the pair model too, and those it judges near duplicates (near_duplicate_threshold) are "
        "quarantined as lexical_near_duplicate; lowering it finds more candidate pairs, not looser verdicts (null: "
        "off)",
    )
    max_rows_per_cluster: StrictInt | None = Field(
        default=None, ge=1, description="diversity cap: most rows kept per embedding cluster"
    )
    clusters: StrictInt = Field(default=50, ge=2, le=10_000, description="embedding clusters for the diversity cap")


EmbeddingBackend = Literal["onnx-int8", "torch"]


class Embeddings(Strict):
    backend: EmbeddingBackend = Field(
        default="onnx-int8", description="onnx-int8: int8 ONNX export of the bundled model; torch: plain fp32"
    )


class Decontamination(Strict):
    ngram_size: StrictInt = Field(default=8, ge=3, le=64)
    """word n-gram length for copy detection"""
    ngram_threshold: float = Field(
        default=0.5, gt=0, le=1, description="share of an eval item's n-grams a candidate repeats"
    )
    false_positive_rate: float = Field(
        default=0.005,
        gt=0,
        lt=1,
        description="share of an eval set's own items matched by their nearest other items, and of its items "
        "with their numbers (all, or one) changed; sets the pair-score threshold per eval set. Not read under 20 "
        "eval items, too few to calibrate: the pair model's small_eval_set operating point applies "
        "(score_threshold moves it)",
    )
    score_threshold: float | None = Field(
        default=None, gt=0, lt=1, description="a fixed threshold on the pair scorer's probability instead"
    )
    llm_judge: ContaminationJudge | None = Field(
        default=None, description="an LLM that decides the rows near the threshold"
    )


class Blend(Strict):
    max_synthetic_share: float = Field(gt=0, le=1)
    """the largest share of synthetic rows in the output"""
    seed: StrictInt = 0
    """the shuffle's seed"""
    stratify_by: str | None = Field(
        default=None, description="a column of the record whose mix the synthetic sample keeps under the cap"
    )
    balance_labels: bool = Field(
        default=False,
        description="spread the synthetic rows kept under the cap evenly over the record's label values (as far as "
        "each has rows), instead of following their mix",
    )
    stratum_weights: dict[str, Annotated[float, Field(ge=0, allow_inf_nan=False)]] = Field(
        default={},
        description="relative weight per stratify_by value (default 1); 0 leaves a value out, its rows quarantined "
        "as blend_share_cap saying so (a build whose every value weighs 0 stops, exit 2)",
    )
    include_real: bool = True
    """publish the real seed rows too (false needs allow_all_synthetic)"""
    allow_all_synthetic: bool = False
    """allow a dataset with no real rows"""
    validation_share: float = Field(default=0.1, ge=0, lt=1)
    """share of rows in the validation split, chosen by a hash of the row id"""

    @model_validator(mode="after")
    def _real_anchor(self) -> Blend:
        if not self.include_real and not self.allow_all_synthetic:
            raise ValueError("an all-synthetic dataset (include_real: false) needs allow_all_synthetic: true")
        if self.stratum_weights and not self.stratify_by:
            raise ValueError("stratum_weights needs stratify_by")
        if self.balance_labels and (self.stratify_by or self.stratum_weights):
            raise ValueError("balance_labels stratifies by the record's label: drop stratify_by and stratum_weights")
        return self


class Diversity(Strict):
    clusters: StrictInt = Field(default=12, ge=2, le=10_000)
    """k-means clusters fitted on the real rows for the effective-clusters metric"""
    tolerance: float = Field(default=0.2, ge=0, le=1, description="largest relative drop from the previous version")
    on_drop: Literal["warn", "fail"] = "warn"
    """warn, or fail the build, when diversity drops past the tolerance"""


class Publish(Strict):
    data_root: str = "data"
    """a path (relative to the working directory, unlike the spec's input files) or fsspec URL; --data-root overrides
    it"""
    approval: Literal["none", "required"] = "none"
    """required: pause for a person in the Prefect UI before publishing; only a deployment on a Prefect server can
    pause (`make serve`), so `synthfactory build` refuses it (exit 2)"""
    approval_timeout_hours: float = Field(default=24, gt=0)
    """how long a paused build waits for a decision"""
    on_overlap: Literal["wait", "skip"] = Field(
        default="wait", description="when another build of the dataset is running"
    )
    overlap_wait_minutes: float = Field(default=60, ge=0)
    """how long on_overlap: wait waits for the other build"""
    keep_versions: StrictInt = Field(default=20, ge=1)
    """versions kept; older ones are deleted after a publish, except the one LATEST names"""
    review_after_days: StrictInt = Field(default=90, ge=1)
    """the review date printed on the card"""
    license: str | None = Field(
        default=None,
        pattern=r"^[a-z0-9][a-z0-9.+-]*$",
        description="the card's license, as a Hugging Face id (e.g. cc-by-4.0; lower case, no spaces)",
    )
    language: list[Annotated[str, Field(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")]] = Field(
        default=[], description="the card's languages, ISO 639-1 codes (e.g. [en]; a region may follow: en-GB)"
    )
    quarantine_raw_text: bool = False
    """also keep the quarantine's raw text, unpublished, in <data_root>/.private/<dataset>/<version>/"""
    diversity: Diversity = Diversity()

    def default_root(self) -> str:
        """Where a build publishes when the run names no data root: data_root if the spec names one, else
        $SYNTHFACTORY_DATA_ROOT (a worker's volume), else 'data'."""
        if "data_root" in self.model_fields_set:
            return self.data_root
        return os.environ.get("SYNTHFACTORY_DATA_ROOT") or self.data_root


class Orchestration(Strict):
    task_runner: Literal["threads", "dask"] = Field(
        default="threads", description="dask: stages run on the cluster at SYNTHFACTORY_DASK_ADDRESS"
    )
    shard_rows: int = Field(
        default=5000,
        ge=1,
        description="rows per shard: generate (the template backend, and an LLM backend without a budget or batch "
        "mode), verify's row checks, the embedding of rows, decontaminate and blend's split run one task per shard, "
        "each cached under its content, so workers share a stage and a retry redoes only the shards that failed; "
        "the results do not depend on it",
    )
