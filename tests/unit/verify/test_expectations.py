import pandas as pd
import pytest

from schemas import records as col
from tasks.verify.expectations import GateError, apply_gates, build_expectation


def frame():
    return pd.DataFrame(
        {
            col.ID: ["a", "b", "c", "d"],
            col.INSTRUCTION: [
                "Name three primary colours.",
                "Hi",
                "Sum 2 and 3, please.",
                "Name three primary colours.",
            ],
            col.OUTPUT: ["red, yellow, blue", "hello", None, "red, yellow, blue"],
        }
    )


def gates(*configs):
    return [build_expectation(c, f"test.{i}") for i, c in enumerate(configs)]


LENGTH = {
    "type": "expect_column_value_lengths_to_be_between",
    "kwargs": {"column": col.INSTRUCTION, "min_value": 5},
    "meta": {"reason": "gx_instruction_length"},
}
NOT_NULL = {
    "type": "expect_column_values_to_not_be_null",
    "kwargs": {"column": col.OUTPUT},
    "meta": {"reason": "gx_output_missing"},
}


def test_row_level_gates_quarantine_exactly_the_failing_rows():
    outcome = apply_gates(frame(), gates(LENGTH, NOT_NULL))
    assert outcome.accepted[col.ID].tolist() == ["a", "d"]
    assert outcome.quarantined[[col.ID, col.REASON]].values.tolist() == [
        ["b", "gx_instruction_length"],
        ["c", "gx_output_missing"],
    ]


def test_a_row_failing_two_gates_is_quarantined_once_under_the_first():
    rows = frame()
    rows.loc[1, col.OUTPUT] = None
    outcome = apply_gates(rows, gates(LENGTH, NOT_NULL))
    assert outcome.quarantined[col.ID].tolist() == ["b", "c"]
    assert (
        outcome.quarantined.set_index(col.ID).loc["b", col.DETAIL]
        == "failed: gx_instruction_length, gx_output_missing (instruction: 2 characters, allowed 5..any)"
    )


def test_the_detail_names_the_value_and_the_rule_it_breaks():
    rows = pd.DataFrame(
        {
            col.ID: ["a", "b", "c"],
            "label": ["billing", "garage", "billing"],
            "extracted": ['{"total": 12.5}', '{"total": 12.5}', '{"total": "12 EUR"}'],
        }
    )
    in_set = {
        "type": "expect_column_values_to_be_in_set",
        "kwargs": {"column": "label", "value_set": ["billing", "shipping"]},
        "meta": {"reason": "category_not_allowed"},
    }
    schema = {"type": "object", "properties": {"total": {"type": "number"}}}
    matches = {
        "type": "expect_column_values_to_match_json_schema",
        "kwargs": {"column": "extracted", "json_schema": schema},
        "meta": {"reason": "json_schema_violation"},
    }
    details = apply_gates(rows, gates(in_set, matches)).quarantined.set_index(col.ID)[col.DETAIL].to_dict()
    assert details == {
        "b": "failed: category_not_allowed (label: 'garage' is not one of billing, shipping)",
        "c": "failed: json_schema_violation (extracted at $.total: '12 EUR' is not of type 'number')",
    }


def test_batch_level_gate_fails_the_build():
    unique = {
        "type": "expect_column_proportion_of_unique_values_to_be_between",
        "kwargs": {"column": col.INSTRUCTION, "min_value": 0.9},
        "meta": {"reason": "gx_diversity"},
    }
    with pytest.raises(GateError, match="gx_diversity"):
        apply_gates(frame(), gates(unique))


def test_mostly_makes_a_row_gate_a_batch_gate():
    mostly = {**NOT_NULL, "kwargs": {"column": col.OUTPUT, "mostly": 0.5}}
    outcome = apply_gates(frame(), gates(mostly))
    assert outcome.quarantined.empty
    assert outcome.batch_results[0]["success"]


def test_a_crashing_gate_is_broken_not_all_rows_bad():
    missing = {"type": "expect_column_values_to_match_regex", "kwargs": {"column": "no_such_column", "regex": "x"}}
    with pytest.raises(GateError, match="broken"):
        apply_gates(frame(), gates(missing))


def test_unknown_expectation_type_names_where_it_came_from():
    with pytest.raises(ValueError, match="test.0: expect_nothing"):
        gates({"type": "expect_nothing", "kwargs": {}})
