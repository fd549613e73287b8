"""The row checks a spec asks for, cheapest first: a chat's number of turns, refusals, forbidden strings, JSON
output, arithmetic, personal data, memorised seed spans, and code that must run."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import pandas as pd

from schemas import records as col
from schemas.spec import Spec
from schemas.spec_gates import CodeCheck
from tasks.privacy.redact import detector_of, find_all, find_markers, marker
from tasks.privacy.secrets import secret_environ
from tasks.verify.check_runner import Rejection, RowCheck
from tasks.verify.check_runner import row_text as text_of_row
from tasks.verify.memorisation import SeedSpans
from tasks.verify.sandbox import UNAVAILABLE, extract_code, run_python, sandbox_problem
from tasks.verify.validators import check_arithmetic, check_json_output, check_turns, find_forbidden, find_refusal


def _in(categories: list[str], label: str | None):
    return lambda row: label is not None and row.get(label) in categories


def build_row_checks(spec: Spec, real: pd.DataFrame) -> dict[str, RowCheck]:
    """Named checks, in the order they run; a row meets a check only after passing the ones before it. Text checks
    read every text of the record; categories are the record's label."""
    validators, privacy, record = spec.gates.validators, spec.gates.privacy, spec.record_schema
    row_text = partial(text_of_row, record=record)
    checks: dict[str, RowCheck] = {}
    if chats := {name: record.columns[name] for name in record.of_type("messages")}:
        checks["messages_turns"] = lambda row: next(
            (Rejection("messages_turns", m) for n, c in chats.items() if (m := check_turns(n, row.get(n), c))), None
        )
    if validators.refusals:
        checks["refusal"] = lambda row: (
            (m := find_refusal(row_text(row))) and Rejection("refusal_boilerplate", f"found {m!r}")
        )
    if validators.forbidden_strings:
        checks["forbidden_strings"] = lambda row: (
            (m := find_forbidden(row_text(row), validators.forbidden_strings))
            and Rejection("forbidden_string", f"found {m!r}")
        )
    if validators.output_json_schema:
        schema = json.loads(validators.output_json_schema.read_text())
        checks["json_output"] = lambda row: (
            (m := check_json_output(row.get(col.OUTPUT) or "", schema)) and Rejection("output_not_valid_json", m)
        )
    if validators.arithmetic_categories:
        is_arithmetic = _in(validators.arithmetic_categories, record.label)
        checks["arithmetic"] = lambda row: (
            is_arithmetic(row)
            and (m := check_arithmetic(row.get(col.OUTPUT) or ""))
            and Rejection("arithmetic_wrong", m)
        )
    if privacy.detectors:
        environ = secret_environ()  # read once per shard, not per row
        checks["pii"] = lambda row: find_personal_data(row_text(row), privacy.detectors, privacy.phone_regions, environ)
    if len(real):
        spans = SeedSpans(
            real[col.ID].tolist(),
            [row_text(row) for row in real.to_dict("records")],
            privacy.memorisation_ngram_size,
        )

        def memorised(row: dict) -> Rejection | None:
            share, seed_id = spans.copied_share(row_text(row))
            if share >= privacy.memorisation_threshold:
                return Rejection(
                    "memorised_seed_span",
                    f"{share:.0%} of its {privacy.memorisation_ngram_size}-grams copy seed row {seed_id}",
                    share,
                )
            return None

        checks["memorisation"] = memorised
    wrapped = {name: _falsy_to_none(check) for name, check in checks.items()}
    if validators.code:
        wrapped["code_execution"] = CodeRuns(validators.code, record.label)
    return wrapped


class CodeRuns:
    """Code rows must hold a fenced Python block that runs in the sandbox. Each snippet gets its own sandbox; up
    to `parallel_runs` sandboxes run at once, since a run waits on namespace set-up far more than it computes."""

    def __init__(self, config: CodeCheck, label: str | None = col.CATEGORY):
        self.config, self.label = config, label

    def __call__(self, row: dict) -> Rejection | None:
        return self.many([row])[0]

    def many(self, rows: list[dict]) -> list[Rejection | None]:
        verdicts: list[Rejection | None] = [None] * len(rows)
        to_run: dict[int, str] = {}
        for position, row in enumerate(rows):
            if self.label is None or row.get(self.label) not in self.config.categories:
                continue
            source = extract_code(row.get(col.OUTPUT) or "")
            if source is None:
                verdicts[position] = Rejection("code_missing", "no fenced Python block in the output")
            else:
                to_run[position] = source
        if to_run:
            sandbox_problem()  # probed once, before the threads ask
            with ThreadPoolExecutor(self.config.parallel_runs) as pool:
                verdicts_run = list(pool.map(self._run, to_run.values()))
            for position, verdict in zip(to_run, verdicts_run):
                verdicts[position] = verdict
        return verdicts

    def _run(self, source: str) -> Rejection | None:
        result = run_python(source, self.config.timeout_seconds, self.config.memory_mb)
        if result.unavailable:
            return Rejection(UNAVAILABLE, result.detail)  # fail closed: the code never ran
        return None if result.passed else Rejection("code_failed", result.detail)


def find_personal_data(
    text: str, detectors: Sequence[str], phone_regions: Sequence[str], environ: Mapping[str, str] | None = None
) -> Rejection | None:
    """pii_<detector> of the first of the spec's detectors that finds anything (a redaction marker counts as what
    it replaced; secrets include environ's secret values); the detail lists the findings as markers, never their
    values."""
    found = [
        f
        for f in find_all(text, detectors, phone_regions, environ) + find_markers(text)
        if detector_of(f.kind) in detectors
    ]
    if not found:
        return None
    first = min(found, key=lambda f: detectors.index(detector_of(f.kind)))
    shown = ", ".join(
        f"{f.kind} {marker(f.kind, f.value) if not f.value.startswith('[REDACTED:') else f.value}" for f in found[:5]
    )
    return Rejection(f"pii_{detector_of(first.kind)}", f"found {len(found)}: {shown}")


def _falsy_to_none(check: RowCheck) -> RowCheck:
    """The checks above read as `condition and Rejection(...)`; anything but a Rejection means pass."""
    return lambda row: verdict if isinstance(verdict := check(row), Rejection) else None
