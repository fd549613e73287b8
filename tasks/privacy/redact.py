"""Redaction: each finding replaced by `[REDACTED:<kind>:<hash>]`, the hash a short SHA-256 of the value so that a
person holding the value can match it later, without the value being written anywhere.

The hash of a short value (a phone number, an SSN) can be found by trying every candidate; set
SYNTHFACTORY_REDACTION_KEY to make it a keyed HMAC that only holders of the key can match.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from tasks.privacy.findings import Finding, merge_overlaps
from tasks.privacy.pii import DETECTOR_OF_KIND, FINDERS, PHONE_REGIONS, find_pii
from tasks.privacy.secrets import find_env_secrets, find_secrets, secret_environ

ALL_DETECTORS = (*FINDERS, "secret")
ENV_SECRET = "env_secret"  # a detector apart from "secret" (which includes it): this machine's secret values alone
MARKER = re.compile(r"\[REDACTED:([a-z0-9_]+):[0-9a-f]{12}\]")
HASH_KEY_VARIABLE = "SYNTHFACTORY_REDACTION_KEY"


def detector_of(kind: str) -> str:
    """The spec detector a specific kind belongs to: every kind that is not personal data is a secret."""
    return DETECTOR_OF_KIND.get(kind, "secret")


def value_hash(value: str) -> str:
    key = os.environ.get(HASH_KEY_VARIABLE)  # optional by design: without it the hash is plain SHA-256
    if key:
        return hmac.new(key.encode(), value.encode(), hashlib.sha256).hexdigest()[:12]
    return hashlib.sha256(value.encode()).hexdigest()[:12]


def marker(kind: str, value: str) -> str:
    return f"[REDACTED:{kind}:{value_hash(value)}]"


def find_markers(text: str) -> list[Finding]:
    """Redaction markers already in text, as findings of the kind they name (a row holding one is not clean)."""
    return [Finding(m.group(1), m.start(), m.end(), m.group()) for m in MARKER.finditer(text or "")]


def find_all(
    text: str,
    detectors: Iterable[str] = ALL_DETECTORS,
    phone_regions: Iterable[str] = PHONE_REGIONS,
    environ: Mapping[str, str] | None = None,
) -> list[Finding]:
    """Findings of the named detectors ('secret' for secrets, with environ's secret values; ENV_SECRET for those
    values alone), sorted by position."""
    detectors = list(detectors)
    found = find_pii(text, [d for d in detectors if d not in ("secret", ENV_SECRET)], phone_regions)
    if "secret" in detectors:
        found += find_secrets(text, environ)
    elif ENV_SECRET in detectors:
        found += find_env_secrets(text, environ)
    return sorted(found, key=lambda f: (f.start, f.end))


def redact(
    text: str, detectors: Iterable[str] = ALL_DETECTORS, environ: Mapping[str, str] | None = None
) -> tuple[str, list[Finding]]:
    """(text with every finding replaced by its marker, the findings replaced)."""
    if not text:
        return text, []
    kept = find_markers(text)  # a marker already there is not redacted again (its hex hash can look like digits)
    fresh = [
        f
        for f in find_all(text, detectors, environ=environ)
        if not any(f.start < m.end and m.start < f.end for m in kept)
    ]
    findings = merge_overlaps(fresh, text)
    pieces, position = [], 0
    for finding in findings:
        pieces += [text[position : finding.start], marker(finding.kind, finding.value)]
        position = finding.end
    return "".join(pieces) + text[position:], findings


def redact_secrets(text: str) -> tuple[str, list[Finding]]:
    return redact(text, ["secret"])


def scrub_frame(
    frame: pd.DataFrame, columns: Iterable[str], detectors: Iterable[str] = ALL_DETECTORS
) -> tuple[pd.DataFrame, Counter]:
    """A copy of frame with findings in the given text columns redacted, and how many of each kind were."""
    detectors, out, counts, environ = list(detectors), frame.copy(), Counter[str](), secret_environ()
    for column in columns:
        if column not in out.columns:
            continue
        cleaned, seen = [], {}  # a value repeated down a column (a category, a model, a reason) is scanned once
        for value in out[column].tolist():
            if isinstance(value, str) and value:
                if value not in seen:
                    seen[value] = redact(value, detectors, environ)
                value, findings = seen[value]
                counts.update(f.kind for f in findings)
            cleaned.append(value)
        out[column] = pd.Series(cleaned, index=out.index, dtype=object)
    return out, counts


def scrub_strings(value: Any, detectors: Iterable[str] = ("secret",), environ: Mapping[str, str] | None = None) -> Any:
    """Any JSON-like value with findings redacted in every string in it (by default secrets only)."""
    detectors = tuple(detectors)
    if isinstance(value, str):
        return redact(value, detectors, environ)[0]
    if isinstance(value, dict):
        return {key: scrub_strings(item, detectors, environ) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(scrub_strings(item, detectors, environ) for item in value)
    return value
