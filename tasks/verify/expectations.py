"""Verification gates: GX expectations quarantine failing rows and can fail the whole build.

A column-map expectation without `mostly` judges rows: the rows it lists are quarantined with its
reason. Any other expectation (table-level, or with `mostly`) judges the batch and fails the build.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import great_expectations as gx
import pandas as pd
from great_expectations.data_context.types.base import ProgressBarsConfig
from great_expectations.data_context.types.resource_identifiers import (
    ExpectationSuiteIdentifier,
    ValidationResultIdentifier,
)
from great_expectations.expectations.expectation import (
    ColumnMapExpectation,
    ColumnPairMapExpectation,
    Expectation,
    MulticolumnMapExpectation,
)
from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

from schemas import records as col
from tasks.quarantine import empty_quarantine, to_quarantine
from tasks.verify.gate_detail import why_failed

JSON_SCHEMA_TYPE = "expect_column_values_to_match_json_schema"
ROW_LEVEL_TYPES = (ColumnMapExpectation, ColumnPairMapExpectation, MulticolumnMapExpectation)


class GateError(RuntimeError):
    """A batch-level gate failed or broke: the build stops and nothing is published."""


@dataclass
class GateOutcome:
    accepted: pd.DataFrame
    quarantined: pd.DataFrame
    batch_results: list[dict] = field(default_factory=list)


def build_expectation(config: dict, where: str) -> Expectation:
    """A GX expectation from its stored form; ValueError names where it came from."""
    unknown = set(config) - {"type", "kwargs", "meta"}
    if unknown or "type" not in config:
        raise ValueError(f"{where}: an expectation needs 'type', 'kwargs' and optional 'meta' (got {sorted(config)})")
    meta = {"reason": f"gx_{config['type'].removeprefix('expect_')}", **config.get("meta", {})}
    try:
        return ExpectationConfiguration(type=config["type"], kwargs=config.get("kwargs", {}), meta=meta).to_domain_obj()
    except Exception as error:  # GX raises its own and pydantic v1 errors for bad configs
        raise ValueError(f"{where}: {config['type']}: {str(error).splitlines()[0]}") from None


def is_row_level(expectation: Expectation) -> bool:
    return isinstance(expectation, ROW_LEVEL_TYPES) and "mostly" not in expectation.configuration.kwargs


def _raised(exception_info: dict) -> str | None:
    """GX reports exceptions either flat or per metric; either way, the first message."""
    infos = [exception_info] if "raised_exception" in exception_info else list(exception_info.values())
    for info in infos:
        if isinstance(info, dict) and info.get("raised_exception"):
            return info.get("exception_message") or "expectation raised"
    return None


def unexpected_ids(result: dict) -> list:
    """Ids of the rows a row-level expectation failed: GX lists them as [{id: [...]}] when values are excluded."""
    ids: list = []
    for hit in result.get("unexpected_index_list") or []:
        ids += hit[col.ID] if isinstance(hit[col.ID], list) else [hit[col.ID]]
    return ids


def validate(frame: pd.DataFrame, expectations: list[Expectation], docs_dir: Path | None = None):
    """GX's validation result (ExpectationSuiteValidationResult) of a frame against expectations, unexpected rows
    keyed by id. With docs_dir, GX also renders its Data Docs site there."""
    return validator(expectations, docs_dir)(frame)


def validator(expectations: list[Expectation], docs_dir: Path | None = None):
    """validate with one GX context and checkpoint for every frame it is given (shards: a context costs a second)."""
    context, docs = _context(docs_dir)
    batch = (
        context.data_sources.add_pandas("candidates")
        .add_dataframe_asset("candidates")
        .add_batch_definition_whole_dataframe("all")
    )
    suite = context.suites.add(gx.ExpectationSuite(name="gates", expectations=expectations))
    validation = context.validation_definitions.add(gx.ValidationDefinition(name="candidates", data=batch, suite=suite))
    checkpoint = context.checkpoints.add(
        gx.Checkpoint(name="gates", validation_definitions=[validation], actions=docs, result_format=RESULT_FORMAT)
    )

    def run(frame: pd.DataFrame):
        return next(iter(checkpoint.run(batch_parameters={"dataframe": frame}).run_results.values()))

    return run


def run_expectations(frame: pd.DataFrame, expectations: list[Expectation], docs_dir: Path | None = None):
    """Validate a frame against expectations; returns GX's results with unexpected rows keyed by id.
    With docs_dir, GX also renders its Data Docs site there."""
    return validate(frame, expectations, docs_dir).results


# Row ids only: with the values GX would render every failing row's raw text into the Data Docs.
RESULT_FORMAT = {
    "result_format": "COMPLETE",
    "unexpected_index_column_names": [col.ID],
    "exclude_unexpected_values": True,
    "return_unexpected_index_query": False,
    "partial_unexpected_count": 0,
}


def _context(docs_dir: Path | None):
    """An ephemeral GX context, with a Data Docs site at docs_dir and the action that updates it when given."""
    # GX sets this logger to INFO itself and announces a temporary docs folder for every context.
    logging.getLogger("great_expectations.data_context.types.base").setLevel(logging.WARNING)
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    if docs_dir is None:
        return context, []
    site = {
        "class_name": "SiteBuilder",
        "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs_dir)},
    }
    context.add_data_docs_site(site_name="build", site_config=site)  # type: ignore[arg-type]  # a plain dict works
    return context, [gx.checkpoint.UpdateDataDocsAction(name="data_docs", site_names=["build"])]


def render_data_docs(result, expectations: list[Expectation], docs_dir: Path) -> None:
    """GX's Data Docs site at docs_dir for a validation result made elsewhere (results merged over shards), as the
    checkpoint's action renders it for one it ran."""
    context, _ = _context(docs_dir)
    context.suites.add(gx.ExpectationSuite(name="gates", expectations=expectations))
    suite_id = ExpectationSuiteIdentifier(name="gates")
    result_id = ValidationResultIdentifier(
        expectation_suite_identifier=suite_id, run_id=result.meta["run_id"], batch_identifier=result.batch_id
    )
    context.validation_results_store.set(result_id, result)
    context.build_data_docs(site_names=["build"], resource_identifiers=[result_id, suite_id])


def gate_failures(results, expectations: list[Expectation]) -> tuple[dict, dict, list[dict]]:
    """From GX's results: the reasons each failing row id failed, the rule behind each (type, kwargs), and the
    batch-level results; raises GateError when a batch-level gate failed or any gate broke."""
    failed_reasons: dict[str, list[str]] = {}
    rules: dict[str, dict[str, tuple[str, dict]]] = {}  # row id -> reason -> (expectation type, kwargs)
    batch_results, failures = [], []
    for result in results:
        config = result.expectation_config
        reason = config.meta["reason"]
        crashed = _raised(result.exception_info or {})
        if crashed:
            raise GateError(f"gate {reason} ({config.type}) is broken: {crashed}")
        if is_row_level(config.to_domain_obj()):
            for row_id in unexpected_ids(result.result):
                failed_reasons.setdefault(row_id, []).append(reason)
                rules.setdefault(row_id, {})[reason] = (config.type, dict(config.kwargs))
            continue
        observed = result.result.get("observed_value")
        batch_results.append(
            {"reason": reason, "type": config.type, "success": bool(result.success), "observed": observed}
        )
        if not result.success:
            kwargs = {k: v for k, v in config.kwargs.items() if k != "batch_id"}  # GX's own, not the spec's
            failures.append(f"{reason} ({config.type}, kwargs {kwargs}, observed {observed})")
    if failures:
        raise GateError("batch-level gate failed: " + "; ".join(failures))
    return failed_reasons, rules, batch_results


def split_failed(
    frame: pd.DataFrame, failed_reasons: dict, rules: dict, expectations: list[Expectation], stage: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(the rows that failed nothing, the rest quarantined): each failing row once, under the first expectation
    (in suite order) that it failed."""
    order = {(e.meta or {})["reason"]: i for i, e in enumerate(expectations)}
    first = {row_id: min(reasons, key=order.__getitem__) for row_id, reasons in failed_reasons.items()}
    mask = frame[col.ID].isin(first.keys())
    rejected = frame[mask]

    def detail(row: dict) -> str:
        reasons = sorted(set(failed_reasons[row[col.ID]]), key=lambda r: order[r])
        type_, kwargs = rules[row[col.ID]][reasons[0]]
        why = why_failed(type_, kwargs, row.get(kwargs.get("column")))
        return "failed: " + ", ".join(reasons) + (f" ({why})" if why else "")

    quarantined = to_quarantine(
        rejected,
        stage,
        rejected[col.ID].map(first),
        detail=pd.Series([detail(r) for r in rejected.to_dict("records")], index=rejected.index, dtype=object),
    )
    return frame[~mask].reset_index(drop=True), quarantined


def apply_gates(
    frame: pd.DataFrame, expectations: list[Expectation], stage: str = "verify", docs_dir: Path | None = None
) -> GateOutcome:
    """Split rows into accepted and quarantined; raise GateError when a batch-level gate fails or any gate breaks.
    JSON Schema expectations run second, on the rows the others kept: GX's matcher raises on text that is not JSON,
    which the first pass quarantines as json_not_valid."""
    later = [e for e in expectations if e.expectation_type == JSON_SCHEMA_TYPE]
    if later and len(later) < len(expectations):
        earlier = [e for e in expectations if e.expectation_type != JSON_SCHEMA_TYPE]
        parsed = apply_gates(frame, earlier, stage, docs_dir)
        matched = apply_gates(parsed.accepted, later, stage)
        quarantined = pd.concat([parsed.quarantined, matched.quarantined], ignore_index=True)
        return GateOutcome(matched.accepted, quarantined, parsed.batch_results + matched.batch_results)
    if frame.empty:
        return GateOutcome(frame, empty_quarantine())
    failed_reasons, rules, batch_results = gate_failures(run_expectations(frame, expectations, docs_dir), expectations)
    accepted, quarantined = split_failed(frame, failed_reasons, rules, expectations, stage)
    return GateOutcome(accepted, quarantined, batch_results)


def check_reject_rate(rejected: int, total: int, max_reject_rate: float) -> None:
    """A build that rejects most of what it generated is broken upstream: stop it rather than publish the rest."""
    if total and rejected / total > max_reject_rate:
        raise GateError(
            f"batch-level gate failed: gx_reject_rate: verify rejected {rejected} of {total} rows "
            f"({rejected / total:.0%}), above max_reject_rate {max_reject_rate:.0%}"
        )
