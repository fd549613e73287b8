"""GX Data Docs render which gates failed and how often, never a failing row's text."""

import re

import pandas as pd

from tasks.verify.expectations import apply_gates, build_expectation

PHONE = "+33 1 42 68 53 00"


def test_data_docs_hold_no_value_of_a_failing_row(tmp_path):
    frame = pd.DataFrame(
        {
            "id": ["r1", "r2", "r3"],
            "instruction": ["a", "b", "c"],
            "output": ["x", "y", "z"],
            "category": ["c"] * 3,
            "input": ["short", f"Reach me at {PHONE} for the long details", "ok"],
        }
    )
    gate = build_expectation(
        {"type": "expect_column_value_lengths_to_be_between", "kwargs": {"column": "input", "max_value": 30}}, "test"
    )
    outcome = apply_gates(frame, [gate], docs_dir=tmp_path)
    assert outcome.quarantined["id"].tolist() == ["r2"] and outcome.accepted["id"].tolist() == ["r1", "r3"]
    pages = [p.read_text() for p in tmp_path.rglob("validations/**/*.html")]
    shown = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", pages[0])) if pages else ""
    assert "less than or equal to 30 characters long" in shown
    assert not any(PHONE in page or "long details" in page for page in pages)
