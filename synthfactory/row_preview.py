"""A preview: a few rows generated and verified by the stages' pure functions, with each row's verdict and the
cost of the full build. No Prefect, nothing published, nothing written under the data root.

Output columns: id, the record's columns, verdict (kept / rejected), stage, reason, detail.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from schemas import records as col
from schemas.record_schema import RecordSchema
from schemas.spec import AnthropicGenerator, OpenAICompatibleGenerator, Spec
from synthfactory.api import SpecSource, load_spec, validate

if TYPE_CHECKING:
    import pandas as pd

KEPT, REJECTED = "kept", "rejected"


def preview_columns(record: RecordSchema) -> list[str]:
    """id, the record's declared columns in order, then the verdict and the quarantine's stage, reason, detail."""
    return [col.ID, *record.columns, "verdict", col.STAGE, col.REASON, col.DETAIL]


@dataclass(frozen=True)
class PreviewResult:
    rows: pd.DataFrame  # preview_columns(record), one row per sample
    batch_gates: list[dict] = field(default_factory=list)  # batch-level expectations on these rows: a hint only
    cost: dict[str, Any] = field(default_factory=dict)  # the full build's estimate, see estimate_cost

    @property
    def kept(self) -> int:
        return int((self.rows["verdict"] == KEPT).sum())


def preview(spec: SpecSource, rows: int = 5, overrides: Mapping[str, Any] | None = None) -> PreviewResult:
    """Generate and verify `rows` rows of the spec (an LLM backend is called online, and its judges too)."""
    full = load_spec(spec, overrides)
    sample = validate(full, {"generator.rows": rows, **_online(full)})
    generated, rejects, llm = _generate(sample)
    verified = verify_rows(sample, generated)
    return PreviewResult(
        verdict_table(generated, verified.kept, [rejects, *verified.quarantines], sample.record_schema),
        verified.batch_gates,
        estimate_cost(full, rows, {"generator": llm, "judges": verified.judges_llm}),
    )


def _online(spec: Spec) -> dict[str, Any]:
    # A batch returns within hours, not the seconds a preview has; the rows are the same.
    return {"generator.mode": "online"} if isinstance(spec.generator, AnthropicGenerator) else {}


def _generate(spec: Spec) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    import pandas as pd

    from schemas.record_derived import quarantine_schema, row_schema
    from tasks.spec_inputs import load_real_rows

    seed_rows = load_real_rows(spec).to_dict("records")
    generator, record = spec.generator, spec.record_schema
    llm: dict = {}
    if isinstance(generator, AnthropicGenerator):
        from tasks.generate.anthropic import generate_with_anthropic

        rows, rejects, llm = generate_with_anthropic(generator, seed_rows, record=record)
    elif isinstance(generator, OpenAICompatibleGenerator):
        from tasks.generate.openai_compatible import generate_with_openai

        rows, rejects, llm = generate_with_openai(generator, seed_rows, record=record)
    else:
        from tasks.generate.templates import generate_from_templates

        rows, rejects = generate_from_templates(generator, seed_rows, record=record)
    return (
        pd.DataFrame(rows, columns=row_schema(record).names),
        pd.DataFrame(rejects, columns=quarantine_schema(record).names),
        llm,
    )


@dataclass(frozen=True)
class Verified:
    kept: pd.DataFrame
    quarantines: list[pd.DataFrame]
    batch_gates: list[dict]
    judges_llm: dict  # the judges' requests and spend


def verify_rows(spec: Spec, frame: pd.DataFrame) -> Verified:
    """verify's gates, row checks and judges on a few rows. Batch-level expectations are reported, not enforced:
    a handful of rows says little about a batch."""
    from tasks.spec_inputs import load_real_rows
    from tasks.verify.check_runner import run_row_checks
    from tasks.verify.expectations import apply_gates, is_row_level
    from tasks.verify.review import review_rows
    from tasks.verify.row_checks import build_row_checks
    from tasks.verify.spec_expectations import final_expectations, gate_expectations

    expectations = gate_expectations(spec)
    row_level = [e for e in expectations if is_row_level(e)]
    gated = apply_gates(frame, row_level) if row_level else None
    checked, failed, _ = run_row_checks(
        gated.accepted if gated else frame, build_row_checks(spec, load_real_rows(spec))
    )
    reviewed = review_rows(checked, spec)
    batch = _batch_results(frame, [e for e in expectations if not is_row_level(e)])
    if spec.gates.final_expectations:  # they judge the rows every verify gate kept
        batch += _batch_results(reviewed.accepted, final_expectations(spec))
    quarantines = ([gated.quarantined] if gated else []) + [failed, reviewed.quarantined]
    return Verified(reviewed.accepted, quarantines, batch, reviewed.stats.get("llm", {}))


def _batch_results(frame: pd.DataFrame, expectations: list) -> list[dict]:
    from tasks.verify.expectations import run_expectations

    if not expectations or frame.empty:
        return []
    return [
        {
            "reason": result.expectation_config.meta["reason"],
            "success": bool(result.success),
            "observed": result.result.get("observed_value"),
        }
        for result in run_expectations(frame, expectations)
    ]


def verdict_table(
    generated: pd.DataFrame, kept: pd.DataFrame, quarantines: list[pd.DataFrame], record: RecordSchema
) -> pd.DataFrame:
    """One row per sample in generation order (samples that never became a candidate last): kept, or rejected with
    the stage, reason and detail of its quarantine."""
    import pandas as pd

    nonempty = [q for q in quarantines if len(q)]
    kept_ids = set(kept[col.ID])
    verdicts = [KEPT if row_id in kept_ids else REJECTED for row_id in generated[col.ID]]
    table = generated.assign(verdict=verdicts, stage=None, reason=None, detail=None)
    rejected = pd.concat(nonempty, ignore_index=True) if nonempty else None
    if rejected is not None:
        first = rejected.drop_duplicates(col.ID).set_index(col.ID)
        for name in (col.STAGE, col.REASON, col.DETAIL):
            found = table[col.ID].map(first[name])
            table[name] = found.astype(object).where(found.notna(), None)
        never = rejected[~rejected[col.ID].isin(generated[col.ID])].assign(verdict=REJECTED)
        table = pd.concat([table, never], ignore_index=True)
    return table[preview_columns(record)].reset_index(drop=True)


def estimate_cost(spec: Spec, sampled: int, llm: dict[str, dict]) -> dict[str, Any]:
    """The full build's LLM spend projected from the preview's: USD per sampled row times generator.rows. The
    template backend costs nothing; a local OpenAI-compatible server has no price."""
    generator = spec.generator
    if isinstance(generator, OpenAICompatibleGenerator):
        return {"rows": generator.rows, "usd": None, "note": "a local OpenAI-compatible server has no price"}
    spent = sum(float(part.get("spent_usd") or 0.0) for part in llm.values())
    per_row = spent / sampled if sampled else 0.0
    return {
        "rows": generator.rows,
        "preview_usd": round(spent, 6),
        "usd": round(per_row * generator.rows, 4),
        "note": "" if spent else "no LLM calls",
    }
