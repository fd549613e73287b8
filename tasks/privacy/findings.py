"""A finding: what a detector saw in a text, where, and of which kind."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Finding:
    kind: str  # specific and snake_case: iban, us_ssn, aws_secret_access_key, ...
    start: int
    end: int
    value: str

    def __repr__(self) -> str:  # a finding must never print its value into a log or a traceback
        return f"Finding({self.kind}, {self.start}:{self.end})"


def merge_overlaps(findings: list[Finding], text: str) -> list[Finding]:
    """Sorted by start, overlapping findings joined into one that covers them all (named after the longest),
    so that redacting the result leaves no part of any finding."""
    merged: list[Finding] = []
    for finding in sorted(findings, key=lambda f: (f.start, -(f.end - f.start))):
        last = merged[-1] if merged else None
        if last is None or finding.start >= last.end:
            merged.append(finding)
        elif finding.end > last.end:
            kind = last.kind if last.end - last.start >= finding.end - finding.start else finding.kind
            merged[-1] = Finding(kind, last.start, finding.end, text[last.start : finding.end])
    return merged
