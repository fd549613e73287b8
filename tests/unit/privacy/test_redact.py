"""Redaction: findings replaced by hashed markers in text, tables and nested values."""

import hashlib

import pandas as pd

from tasks.privacy.redact import find_markers, marker, redact, scrub_frame, scrub_strings


def test_each_finding_becomes_a_marker_with_the_values_hash(monkeypatch):
    monkeypatch.delenv("SYNTHFACTORY_REDACTION_KEY", raising=False)
    text = "Mail john dot doe at gmail dot com or call +33 1 42 68 53 00."
    redacted, findings = redact(text)
    assert [f.kind for f in findings] == ["email", "phone"]
    digest = hashlib.sha256(b"+33 1 42 68 53 00").hexdigest()[:12]
    email = hashlib.sha256(b"john dot doe at gmail dot com").hexdigest()[:12]
    assert redacted == f"Mail [REDACTED:email:{email}] or call [REDACTED:phone:{digest}]."
    assert [f.kind for f in find_markers(redacted)] == ["email", "phone"]


def test_a_redaction_key_makes_the_hash_keyed(monkeypatch):
    plain = marker("us_ssn", "123-45-6789")
    monkeypatch.setenv("SYNTHFACTORY_REDACTION_KEY", "k" * 32)
    keyed = marker("us_ssn", "123-45-6789")
    assert keyed != plain and keyed.startswith("[REDACTED:us_ssn:")


def test_overlapping_findings_leave_no_part_raw():
    key = "sk-ant-api03-abcdefghijklmnopqrstuvwx0123"
    text = f"api_key={key}"
    redacted, _ = redact(text)
    assert "abcdefghijklmnop" not in redacted and redacted.startswith("api_key=[REDACTED:")


def test_scrub_frame_redacts_only_the_named_columns_and_counts_kinds():
    frame = pd.DataFrame(
        {
            "id": ["r1", "r2"],
            "output": ["SSN 123-45-6789", None],
            "detail": ["found 4111 1111 1111 1111", "x"],
            "other": ["a@b.io", ""],
        }
    )
    clean, counts = scrub_frame(frame, ["output", "detail", "missing"])
    assert clean["output"][0].startswith("SSN [REDACTED:us_ssn:") and pd.isna(clean["output"][1])
    assert clean["detail"][0].startswith("found [REDACTED:payment_card:") and clean["other"][0] == "a@b.io"
    assert counts == {"us_ssn": 1, "payment_card": 1} and frame["output"][0] == "SSN 123-45-6789"


def test_scrub_strings_walks_nested_values_and_redacts_secrets_only_by_default():
    value = {"a": ["key AKIAIOSFODNN7EXAMPLE", {"b": "call +49 30 901820"}], "n": 3}
    clean = scrub_strings(value)
    assert "AKIAIOSFODNN7EXAMPLE" not in str(clean) and clean["a"][1]["b"] == "call +49 30 901820" and clean["n"] == 3
    assert "+49 30 901820" not in str(scrub_strings(value, ["phone"]))
