"""The synthfactory command line: build a dataset or run one check on files (the commands around a build and those
that read its versions are in flows/cli_dataset.py, the app they share in flows/cli_app.py)."""

from __future__ import annotations

import os
import sqlite3
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.text import Text

import flows.cli_dataset  # noqa: F401  (registers validate, preview, schema, push, promote, show, diff, quarantine)
from flows.cli_app import BAD_INPUT, DEFAULTED, EVALUATION_REFUSED, Overrides, SpecFile, app, console, fail, options_as
from flows.environment import apply_quiet_defaults
from flows.report import RichStageListener, print_build_report
from schemas.spec import Decontamination, Dedup, Embeddings, SpecError
from schemas.spec_sections import EmbeddingBackend

if TYPE_CHECKING:
    import pandas as pd

CacheDir = Annotated[
    Path | None,
    typer.Option(
        help="embeddings and eval indexes kept across runs (default: $SYNTHFACTORY_CACHE or ~/.cache/synthfactory)"
    ),
]
Backend = Annotated[EmbeddingBackend, typer.Option(help="embedding backend")]
DEFAULT_BACKEND = Embeddings().backend


@app.command()
def build(
    spec: SpecFile,
    data_root: Annotated[
        Path | None,
        typer.Option(
            help="where versions are published (default: the spec's publish.data_root, else $SYNTHFACTORY_DATA_ROOT)"
        ),
    ] = None,
    overrides: Overrides = None,
) -> None:
    """Run the whole build once on an embedded Prefect and publish a new version."""
    from synthfactory.api import DataRootError, parse_overrides, plan_build

    try:
        plan = plan_build(spec, data_root, parse_overrides(overrides))
    except DataRootError as error:
        fail(f"--data-root {error.root}: {error.problem}" if error.given else str(error), BAD_INPUT)
    except SpecError as error:
        fail(str(error), BAD_INPUT)
    from flows.console_logs import quiet_expected_tracebacks
    from flows.stop_report import finish_stop_report
    from flows.stopping import BuildStopped, stopped_by_signals, stopped_line
    from synthfactory.api import PrefectUnavailable, run_build
    from tasks.llm.costs import BudgetExceeded
    from tasks.llm.limits import CircuitOpen
    from tasks.privacy.guard import PrivacyError
    from tasks.publish.assemble import DiversityDrop
    from tasks.stage_policy import disk_full, where_full
    from tasks.stage_progress import listening
    from tasks.verify.expectations import GateError
    from tasks.versions.leftovers import stop_children
    from tasks.versions.store import VersionDamaged

    quiet_expected_tracebacks()
    try:
        with RichStageListener(console) as progress, listening(progress), stopped_by_signals():
            result = run_build(plan)
    except BuildStopped as stop:
        finish_stop_report(stopped_line(stop.signal_number))  # before the embedded server, a child, is stopped
        stop_children()
        console.print(stopped_line(stop.signal_number), markup=False, highlight=False)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(128 + stop.signal_number)  # a stage may still run in a worker thread; the process ends now
    except PrefectUnavailable as error:
        fail(str(error), 1)
    except (GateError, DiversityDrop, PrivacyError) as error:
        fail(f"the build failed a gate, nothing was published: {error}", 1)
    except VersionDamaged as error:
        fail(f"a published version is damaged, nothing was published: {error}", 1)
    except (BudgetExceeded, CircuitOpen) as error:
        fail(f"generation stopped, nothing was published: {error} (stored responses make a rerun resume)", 1)
    except SpecError as error:
        fail(str(error), BAD_INPUT)
    except (OSError, sqlite3.OperationalError) as error:
        if not disk_full(error):
            raise
        fail(f"no space left on the disk, nothing was published: {where_full(error)}", 1)
    if result.skipped:
        console.print(Text.assemble(("skipped: ", "yellow"), result.skipped), highlight=False)
        return
    print_build_report(Console(), result.report)
    if not result.promoted:
        fail(result.evaluation["message"] if result.evaluation else "evaluation refused", EVALUATION_REFUSED)


JUDGE_FLAGS = {"model": "--judge-model", "band": "--judge-band"}


@app.command("check-contamination")
def check_contamination(
    eval_files: Annotated[
        list[Path], typer.Option("--eval", help="a held-out eval set (JSONL, CSV or Parquet); repeat for more")
    ],
    candidates: Annotated[Path, typer.Option(help="the rows to check")],
    field: Annotated[str, typer.Option(help="the candidates' text column")],
    out: Annotated[Path, typer.Option(help="where to write one verdict per candidate, in input order")],
    eval_field: Annotated[str | None, typer.Option(help="the eval sets' text column (default: --field)")] = None,
    eval_id_field: Annotated[str, typer.Option(help="the eval sets' id column (row number when absent)")] = "id",
    ngram_threshold: Annotated[
        float, typer.Option(help="share of an eval item's n-grams repeated")
    ] = Decontamination().ngram_threshold,
    false_positive_rate: Annotated[
        float,
        typer.Option(help="share of the eval set's own items its nearest other item would flag; sets the threshold"),
    ] = Decontamination().false_positive_rate,
    score_threshold: Annotated[
        float | None, typer.Option(help="a fixed score threshold instead of calibrating")
    ] = None,
    judge_model: Annotated[
        str | None, typer.Option(help="an Anthropic model that decides the rows near the threshold (ANTHROPIC_API_KEY)")
    ] = None,
    judge_band: Annotated[float, typer.Option(help="rows scoring this close to the threshold are judged")] = 0.3,
    cache_dir: CacheDir = None,
    backend: Backend = DEFAULT_BACKEND,
) -> None:
    """Flag candidates that copy or rephrase an eval item: score, nearest_eval_id, contaminated."""
    from schemas.spec import ContaminationJudge
    from tasks.decontaminate.contamination import check_contamination, decision_threshold, threshold_source
    from tasks.decontaminate.eval_index import eval_index_beside
    from tasks.embeddings.cache import EmbeddingCache
    from tasks.llm.request_cache import RequestCache
    from tasks.local_cache import cache_root
    from tasks.tables import TableError, check_output_path, read_option, require_column, require_text, write_table

    judge = options_as(ContaminationJudge, JUDGE_FLAGS, model=judge_model, band=judge_band) if judge_model else None
    config = options_as(
        Decontamination,
        {
            "ngram_threshold": "--ngram-threshold",
            "false_positive_rate": "--false-positive-rate",
            "score_threshold": "--score-threshold",
        },
        ngram_threshold=ngram_threshold,
        false_positive_rate=false_positive_rate,
        score_threshold=score_threshold,
        llm_judge=judge,
    )
    if judge_model:
        from tasks.llm.anthropic_client import AnthropicSettings

        try:
            AnthropicSettings()
        except ValidationError:
            fail("--judge-model: the environment variable ANTHROPIC_API_KEY is not set (or empty)", BAD_INPUT)
    try:
        ids, texts = [], []
        for path in eval_files:
            frame = read_option("--eval", path)
            require_column(frame, eval_field or field, path)
            require_text(frame, eval_field or field, path)
            ids += [f"{path.stem}:{i}" for i in frame.get(eval_id_field, frame.index)]
            texts += frame[eval_field or field].fillna("").astype(str).tolist()
        rows = read_option("--candidates", candidates)
        require_column(rows, field, candidates)
        require_text(rows, field, candidates)  # a candidate without text was scored as "" and reported clean
        check_output_path(out)
    except TableError as error:
        fail(str(error), BAD_INPUT)
    cache_dir = cache_dir or cache_root()
    embed = EmbeddingCache(cache_dir / "embeddings.sqlite", backend=backend)
    evals = eval_index_beside(ids, texts, embed)
    requests = RequestCache(cache_dir / "requests.sqlite") if judge_model else None
    verdicts, judged = check_contamination(rows[field].fillna("").astype(str).tolist(), evals, config, embed, requests)
    write_table(rows.assign(**{c: verdicts[c].to_numpy() for c in verdicts.columns}), out)
    asked = (
        f"; the judge decided {judged['asked']} ({judged.get('same', 0)} same, {judged.get('unavailable', 0)} "
        "unanswered)"
        if judged
        else ""
    )
    console.print(
        f"{int(verdicts['contaminated'].sum())} of {len(rows)} candidates contaminated "
        f"(score threshold {decision_threshold(evals, config):.3f}: {threshold_source(evals, config)}{asked}); "
        f"wrote {out}"
    )


@app.command()
def dedup(
    input: Annotated[Path, typer.Option(help="the rows to deduplicate (JSONL, CSV or Parquet)")],
    field: Annotated[str, typer.Option(help="the text column compared")],
    out: Annotated[Path, typer.Option(help="where to write every row, in order, with duplicate_of")],
    id_field: Annotated[str, typer.Option(help="the id column duplicate_of refers to (row number when absent)")] = "id",
    threshold: Annotated[
        float | None,
        typer.Option(help="pair-scorer probability of a near duplicate (default: the model's dedup operating point)"),
    ] = Dedup().near_duplicate_threshold,
    minhash_threshold: Annotated[
        float | None, typer.Option(help="lexical near duplicates: estimated Jaccard of word 3-grams")
    ] = Dedup().minhash_threshold,
    against: Annotated[
        list[Path] | None,
        typer.Option(help="earlier rows (same --field and --id-field), never marked; repeat for more"),
    ] = None,
    cache_dir: CacheDir = None,
    backend: Backend = DEFAULT_BACKEND,
) -> None:
    """Mark exact, lexical and semantic near duplicates, within the input and against earlier rows:
    duplicate_of is null for kept rows (the first of each group in input order)."""
    from tasks.dedup.duplicates import find_duplicates
    from tasks.embeddings.cache import EmbeddingCache
    from tasks.local_cache import cache_root
    from tasks.tables import TableError, check_output_path, read_option, require_column, require_text, write_table

    options_as(
        Dedup,
        {"near_duplicate_threshold": "--threshold", "minhash_threshold": "--minhash-threshold"},
        near_duplicate_threshold=threshold,
        minhash_threshold=minhash_threshold,
    )
    try:
        earlier = [read_option("--against", path) for path in against or []]
        for path, frame in zip(against or [], earlier):
            require_column(frame, field, path)
            require_text(frame, field, path)
        rows = read_option("--input", input)
        require_column(rows, field, input)
        require_text(rows, field, input)  # a row without text was compared as "" and kept without a word
        check_output_path(out)
    except TableError as error:
        fail(str(error), BAD_INPUT)

    def ids_of(frame: pd.DataFrame, prefix: str) -> list[str]:
        return (
            frame[id_field].astype(str).tolist() if id_field in frame else [f"{prefix}{i}" for i in range(len(frame))]
        )

    reference_ids = [i for path, frame in zip(against or [], earlier) for i in ids_of(frame, f"{path.stem}:")]
    ids = reference_ids + ids_of(rows, "")
    texts = [t for frame in earlier + [rows] for t in frame[field].fillna("").astype(str)]
    embed = EmbeddingCache((cache_dir or cache_root()) / "embeddings.sqlite", backend=backend)
    marks: list = [None] * len(rows)
    reasons: list = [None] * len(rows)
    for duplicate in find_duplicates(
        texts, threshold, embed, references=len(reference_ids), minhash_threshold=minhash_threshold
    ):
        marks[duplicate.position - len(reference_ids)] = ids[duplicate.duplicate_of]
        reasons[duplicate.position - len(reference_ids)] = duplicate.reason
    write_table(rows.assign(duplicate_of=marks, duplicate_reason=reasons), out)
    console.print(f"{sum(m is not None for m in marks)} of {len(rows)} rows are duplicates; wrote {out}")


def main() -> None:
    DEFAULTED[:] = apply_quiet_defaults()  # before any command imports Prefect
    app(prog_name="synthfactory")


if __name__ == "__main__":
    sys.exit(main())
