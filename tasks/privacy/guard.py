"""What a build may write and show: quarantines and review queues with personal data and secrets redacted,
published rows and the spec refused when they hold a secret, the manifest, card and Data Docs scrubbed of
secrets, and the real seed rows' personal data counted (or refused).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from schemas import records as col
from tasks.privacy.redact import ALL_DETECTORS, detector_of, find_all, redact_secrets, scrub_frame
from tasks.privacy.secrets import find_secrets

# Columns whose text came from a generator, a seed file or an LLM endpoint: redacted wherever they are kept.
FREE_TEXT_COLUMNS = (*col.TEXT_COLUMNS, col.CATEGORY, col.MODEL, col.STOP_REASON, col.DETAIL)
DOCS_SUFFIXES = {".html", ".json", ".md", ".txt"}


class PrivacyError(RuntimeError):
    """A secret would be published, or the spec refuses personal data in its real rows: nothing is published."""


def redact_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Quarantine and review rows as they may be kept: findings in their free-text columns replaced by markers."""
    return scrub_frame(frame, FREE_TEXT_COLUMNS, ALL_DETECTORS)[0]


def check_rows_hold_no_secret(frame: pd.DataFrame, what: str = "published row") -> None:
    """Raise PrivacyError naming the first row, column and kind of secret in any string column (never its value)."""
    for column in frame.columns:
        if frame[column].dtype.kind not in "OUST":  # object or string columns only
            continue
        for row_id, value in zip(frame[col.ID].tolist(), frame[column].tolist()):
            if isinstance(value, str) and (found := find_secrets(value)):
                raise PrivacyError(
                    f"{what} {row_id!r} holds a secret ({found[0].kind}) in column {column!r}; nothing was published"
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


def real_rows_report(real: pd.DataFrame, detectors: Sequence[str], phone_regions: Sequence[str]) -> dict:
    """Personal data and secrets in the real seed rows: rows affected, findings by kind, and the first row's id."""
    by_kind: Counter = Counter()
    rows, first = 0, None
    for row in real.to_dict("records"):
        text = "\n".join(str(row.get(c) or "") for c in col.TEXT_COLUMNS)
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
