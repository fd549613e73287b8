"""What a build may write and show: quarantines and review queues with personal data and secrets redacted,
published rows and the spec refused when they hold a secret, the manifest, card and Data Docs scrubbed of
secrets, and the real seed rows' personal data counted (or refused).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from schemas import records as col
from schemas.record_builtins import INSTRUCTION
from schemas.record_schema import TEXT_TYPES, RecordSchema, plain
from schemas.spec_gates import Privacy
from tasks.privacy.pii import PHONE_REGIONS
from tasks.privacy.redact import (
    ALL_DETECTORS,
    ENV_SECRET,
    detector_of,
    find_all,
    redact_secrets,
    scrub_frame,
    scrub_strings,
)
from tasks.privacy.secrets import find_secrets, secret_environ

# Columns whose text came from a generator, a seed file or an LLM endpoint: redacted wherever they are kept.
FREE_TEXT_COLUMNS = (*col.TEXT_COLUMNS, col.CATEGORY, col.MODEL, col.STOP_REASON, col.DETAIL)
BASE_COLUMNS, QUARANTINE_COLUMNS = col.BASE_COLUMNS, col.QUARANTINE_COLUMNS
DOCS_SUFFIXES = {".html", ".json", ".md", ".txt"}
# In a quarantine file's schema: its rows were redacted (every detector) when it was written. Publish then checks
# such a file for the secrets of its own environment only (redacting it whole again cost most of publish's time).
REDACTED_MARK = {b"synthfactory.redacted": b"all"}


class PrivacyError(RuntimeError):
    """A secret would be published, or the spec refuses personal data in its real rows: nothing is published."""


@dataclass(frozen=True)
class GateClearance:
    """What the privacy gate already searched rows for and found nothing: the record's text columns, and the
    detectors that need not run on them again."""

    columns: tuple[str, ...]
    detectors: tuple[str, ...]


def gate_clearance(privacy: Privacy, record: RecordSchema) -> GateClearance:
    """What the privacy gate cleared in every row it let through: the record's text (all of it, read as one text)
    for the spec's detectors. Phones count only when the gate read numbers in every region redaction reads them
    in; secrets by their shape only, as the environment's secret values are this machine's (redact_rows looks for
    those again)."""
    detectors = [d for d in privacy.detectors if d != "phone" or set(PHONE_REGIONS) <= set(privacy.phone_regions)]
    return GateClearance(tuple(record.of_type(*TEXT_TYPES)), tuple(detectors))


def redact_rows(
    frame: pd.DataFrame, detectors: Sequence[str] = ALL_DETECTORS, cleared: GateClearance | None = None
) -> pd.DataFrame:
    """Quarantine and review rows as they may be kept: findings (of `detectors`) in their free-text columns replaced
    by markers; the columns of any record are free text (a chat's turns and JSON text included). Rows that passed
    the privacy gate (a blend's rows over the cap) may say what it `cleared`: those detectors do not run again on
    those columns, which then hold what the same rows hold when they are published."""
    record_columns = [c for c in frame.columns if c not in BASE_COLUMNS and c not in QUARANTINE_COLUMNS]
    text_columns = list(dict.fromkeys([*FREE_TEXT_COLUMNS, *record_columns]))
    cleared_columns = set(cleared.columns) if cleared else set()
    left = [d for d in detectors if d not in cleared.detectors] if cleared else list(detectors)
    if cleared and "secret" in detectors and "secret" in cleared.detectors:
        left.append(ENV_SECRET)  # the gate may have run where other secret values were set

    def detectors_for(column: str) -> Sequence[str]:
        return left if column in cleared_columns else detectors

    environ = secret_environ()
    scrubbed = scrub_frame(frame, [c for c in text_columns if c not in cleared_columns], detectors)[0]
    scrubbed = scrub_frame(scrubbed, [c for c in text_columns if c in cleared_columns], left)[0]
    for column in record_columns:  # values that are not strings: lists of turns
        nested = scrubbed[column].map(lambda v: not isinstance(v, str) and hasattr(v, "__len__"))
        if nested.any():
            found = detectors_for(column)
            scrubbed.loc[nested, column] = scrubbed.loc[nested, column].map(
                lambda v, found=found: scrub_strings(plain(v), found, environ)
            )
    return scrubbed


def marked_redacted(schema: pa.Schema) -> pa.Schema:
    """The schema of a quarantine file whose rows were redacted by redact_rows (every detector)."""
    return schema.with_metadata({**(schema.metadata or {}), **REDACTED_MARK})


def written_redacted(path: str | Path) -> bool:
    """Whether a quarantine file says it was written redacted (marked_redacted)."""
    metadata = pq.read_schema(path).metadata or {}
    return all(metadata.get(key) == value for key, value in REDACTED_MARK.items())


def first_secret_in_rows(frame: pd.DataFrame) -> tuple[str, str, str] | None:
    """(row id, column, kind) of the first secret in any string column (never its value), or None."""
    environ = secret_environ()
    for column in frame.columns:
        if frame[column].dtype.kind not in "OUST":  # object or string columns only
            continue
        clean: set[str] = set()  # a value repeated down a column is scanned once
        for row_id, value in zip(frame[col.ID].tolist(), frame[column].tolist()):
            if not isinstance(value, str) or value in clean:
                continue
            if found := find_secrets(value, environ):
                return str(row_id), str(column), found[0].kind
            clean.add(value)
    return None


def check_rows_hold_no_secret(frame: pd.DataFrame) -> None:
    """Raise PrivacyError naming the first published row, column and kind of secret (never its value)."""
    if found := first_secret_in_rows(frame):
        row_id, column, kind = found
        raise PrivacyError(
            f"published row {row_id!r} holds a secret ({kind}) in column {column!r}; nothing was published"
        )


def check_text_holds_no_secret(text: str, name: str) -> None:
    """Raise PrivacyError naming the file, line and kind of the first secret in text."""
    if found := find_secrets(text):
        line = text.count("\n", 0, found[0].start) + 1
        raise PrivacyError(f"{name} holds a secret ({found[0].kind}) on line {line}; nothing was published")


def scrub_docs(folder: Path) -> int:
    """Redact secrets in the text files of a Data Docs site in place (not its static assets); returns how many."""
    redacted = 0
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.suffix in DOCS_SUFFIXES and "static" not in path.relative_to(folder).parts:
            text = path.read_text(errors="replace")
            clean, findings = redact_secrets(text)
            if findings:
                path.write_text(clean)
                redacted += len(findings)
    return redacted


def real_rows_report(
    real: pd.DataFrame, detectors: Sequence[str], phone_regions: Sequence[str], record: RecordSchema = INSTRUCTION
) -> dict:
    """Personal data and secrets in the real seed rows: rows affected, findings by kind, and the first row's id."""
    by_kind: Counter = Counter()
    rows, first = 0, None
    for row in real.to_dict("records"):
        text = record.all_text(row)
        kinds = [f.kind for f in find_all(text, [*detectors, "secret"], phone_regions)]
        if kinds:
            rows += 1
            by_kind.update(kinds)
            first = first or {"id": str(row[col.ID]), "kinds": sorted(set(kinds))}
    return {
        "rows_checked": len(real),
        "rows_with_findings": rows,
        "by_kind": dict(sorted(by_kind.items())),
        "by_detector": dict(sorted(_by_detector(by_kind).items())),
        "first": first,
    }


def _by_detector(by_kind: Counter) -> Counter:
    totals: Counter = Counter()
    for kind, count in by_kind.items():
        totals[detector_of(kind)] += count
    return totals


def refuse_real_rows(report: dict) -> None:
    """gates.pii_in_real: refuse: raise PrivacyError naming the first real row with findings and their kinds."""
    if report["rows_with_findings"]:
        first = report["first"]
        raise PrivacyError(
            f"gates.pii_in_real is refuse: {report['rows_with_findings']} real seed rows hold personal data or secrets "
            f"(first: row {first['id']!r}, {', '.join(first['kinds'])}); nothing was published"
        )
