"""The GX expectations a spec asks for: its record's suite (or a stored one), its own and its final ones, with every
column checked against the record before GX is imported (a misspelled column fails in a second, not ten)."""

from __future__ import annotations

from schemas.record_derived import record_suite, row_schema
from schemas.spec import Spec, SpecError
from schemas.suites import load_suite


def gate_expectations(spec: Spec) -> list:
    """The record's suite (or the stored one the spec names) plus the spec's own expectations, as GX objects."""
    return _build_expectations(gate_configs(spec), row_schema(spec.record_schema).names)


def final_expectations(spec: Spec) -> list:
    """Batch-level expectations on the rows that passed every verify gate (judge scores included)."""
    from tasks.verify.expectations import is_row_level

    built = _build_expectations(final_configs(spec), row_schema(spec.record_schema).names)
    for index, expectation in enumerate(built):
        if is_row_level(expectation):
            raise SpecError(
                f"gates.final_expectations.{index}: must judge the batch (a table expectation, or a column one with "
                "mostly)"
            )
    return built


def gate_configs(spec: Spec) -> list[tuple[str, dict]]:
    if spec.gates.suite is None:
        suite = record_suite(spec.record_schema)
    else:
        try:
            suite = load_suite(spec.gates.suite)
        except KeyError as error:
            raise SpecError(f"gates.suite: {error.args[0]}") from None
    configs = [(f"gates.suite {suite['name']}", e) for e in suite["expectations"]]
    return configs + [(f"gates.expectations.{i}", e) for i, e in enumerate(spec.gates.expectations)]


def final_configs(spec: Spec) -> list[tuple[str, dict]]:
    return [(f"gates.final_expectations.{i}", e) for i, e in enumerate(spec.gates.final_expectations)]


def check_columns(configs: list[tuple[str, dict]], columns: list[str]) -> None:
    for where, config in configs:
        column = config.get("kwargs", {}).get("column")
        if column is not None and column not in columns:
            raise SpecError(f"{where}: no column {column!r} in the record (columns: {', '.join(columns)})")


def _build_expectations(configs: list[tuple[str, dict]], columns: list[str]) -> list:
    check_columns(configs, columns)
    from tasks.verify.expectations import build_expectation  # GX costs seconds to import: only once columns are right

    built = []
    for where, config in configs:
        try:
            built.append(build_expectation(config, where))
        except ValueError as error:
            raise SpecError(str(error)) from None
    return built
