"""Building candidate and rejected rows with their provenance, the same way for every backend."""

from __future__ import annotations

from schemas import records as col
from tasks.fingerprints import content_hash


def provenance(
    generator: str, model: str | None, template_id: str, template_hash: str, seed: int, request_hash: str
) -> dict:
    """Where a row came from: its generator, model, template and sample, the same columns for every backend."""
    return {
        col.GENERATOR: generator,
        col.MODEL: model,
        col.TEMPLATE_ID: template_id,
        col.TEMPLATE_HASH: template_hash,
        col.SAMPLE_SEED: seed,
        col.REQUEST_HASH: request_hash,
    }


def synthetic_row(record: dict, provenance: dict) -> dict:
    """A candidate row: the record, its provenance, and an id stable for the same config and sample."""
    row_id = "syn-" + content_hash(
        [provenance[col.GENERATOR], provenance[col.MODEL], provenance[col.TEMPLATE_HASH], provenance[col.SAMPLE_SEED]]
    )
    return {col.ID: row_id, **record, col.SOURCE: col.SOURCE_SYNTHETIC, **provenance}


def rejected_row(
    provenance: dict, reason: str, detail: str, record: dict | None = None, score: float | None = None
) -> dict:
    """A sample that never became a candidate (a render error, an unparseable reply), kept with its reason."""
    row = synthetic_row(record or {}, provenance)
    row.update({col.STAGE: "generate", col.REASON: reason, col.DETAIL: detail[:2000], col.SCORE: score})
    return row
