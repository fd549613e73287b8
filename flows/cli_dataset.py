"""Commands around a build: validate and preview a spec, export its JSON Schema; push, promote, show, diff and read
the quarantine of a published version."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from flows.cli_app import (
    BAD_INPUT,
    DEFAULTED,
    Overrides,
    SpecFile,
    VersionFolder,
    app,
    console,
    fail,
    opened,
    resolved_version,
)
from flows.report import print_diff, print_quarantine, print_version
from schemas.spec import SpecError


@app.command("validate")
def validate_spec(spec: SpecFile, overrides: Overrides = None) -> None:
    """Check a spec and every file and setting it names, without building: exit 0 with a summary, 2 naming the
    field or file that is wrong."""
    from synthfactory.api import parse_overrides, validate

    try:
        loaded = validate(spec, parse_overrides(overrides))
    except SpecError as error:
        fail(str(error), BAD_INPUT)
    generator = loaded.generator
    Console().print(
        f"ok: {spec}: dataset {loaded.dataset}, {generator.rows} rows from the {generator.backend} generator, "
        f"{len(loaded.eval_sets)} eval set(s), publishes to {loaded.publish.default_root()}",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )


@app.command()
def preview(
    spec: SpecFile,
    rows: Annotated[int, typer.Option(min=1, help="rows to generate and verify")] = 5,
    overrides: Overrides = None,
) -> None:
    """Generate and verify a few rows with each row's verdict and reason, and the full build's cost; no Prefect,
    nothing published or written under the data root."""
    from synthfactory.api import parse_overrides
    from synthfactory.preview_report import print_preview
    from synthfactory.row_preview import preview as preview_rows
    from tasks.llm.costs import BudgetExceeded
    from tasks.llm.limits import CircuitOpen
    from tasks.verify.expectations import GateError

    try:
        result = preview_rows(spec, rows, parse_overrides(overrides))
    except SpecError as error:
        fail(str(error), BAD_INPUT)
    except (GateError, BudgetExceeded, CircuitOpen) as error:
        fail(f"the preview stopped: {error}", 1)
    print_preview(Console(), result)


@app.command()
def schema(
    out: Annotated[
        Path | None, typer.Option(help="write it here (schemas/spec.schema.json is the stored copy)")
    ] = None,
) -> None:
    """The spec's JSON Schema, for editors and other tools: printed, or written to --out."""
    from schemas.spec_schema import render_schema

    if out is None:
        sys.stdout.write(render_schema())
        return
    try:
        out.write_text(render_schema())
    except OSError as error:
        fail(f"--out {out}: {error.strerror or error}", BAD_INPUT)
    console.print(f"wrote {out}", markup=False, highlight=False)


@app.command()
def push(
    version: VersionFolder,
    to: Annotated[str, typer.Option(help="hf://datasets/ORG/NAME, or any fsspec URL (file://, s3://, memory://)")],
    private: Annotated[
        bool, typer.Option(help="create the Hub repo as private (an existing repo keeps its own)")
    ] = False,
) -> None:
    """Upload a published version's files, byte for byte and its card as README.md at the root, to a Hugging Face
    dataset repo (token: HF_TOKEN, `hf auth login`, or the Prefect Secret block hf-token) or an fsspec folder."""
    if {"HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"} <= set(DEFAULTED):
        os.environ["HF_HUB_OFFLINE"] = "0"  # main() set it against model downloads; a push is meant to go out
    from synthfactory.version_push import PushFailed, PushInputError, push_version

    try:
        result = push_version(version, to, private)
    except PushInputError as error:
        fail(str(error), BAD_INPUT)
    except PushFailed as error:
        fail(f"the push failed: {error}", 1)
    commit = f" ({result.commit_url})" if result.commit_url else ""
    removed = f"; removed {len(result.removed)} files of an earlier push" if result.removed else ""
    Console().print(
        f"pushed {len(result.files)} files of {version} to {to}{commit}{removed}", markup=False, highlight=False
    )


@app.command()
def promote(
    version: Annotated[str, typer.Argument(help="a published version's folder (path or URL)")],
    reason: Annotated[str, typer.Option(help="why LATEST moves; kept in the dataset's .latest-history.jsonl")],
    override_evaluation: Annotated[
        bool, typer.Option("--override-evaluation", help="promote a version its downstream evaluation refused")
    ] = False,
) -> None:
    """Point the dataset's LATEST at a published version: a rollback to an earlier one, or (overriding its
    evaluation) a refused one. Holds the build lock; exit 1 while a build of the dataset runs."""
    from tasks.versions.lock import BuildLocked
    from tasks.versions.promote import PromoteRefused, promote_version

    try:
        move = promote_version(version, reason, override_evaluation)
    except PromoteRefused as error:
        fail(str(error), BAD_INPUT)
    except BuildLocked as error:
        fail(f"LATEST not moved: {error}", 1)
    if move.before == move.after:
        console.print(f"LATEST of {move.dataset} already names {move.after}", markup=False, highlight=False)
    else:
        console.print(f"LATEST of {move.dataset}: {move.before} -> {move.after}", markup=False, highlight=False)


@app.command()
def show(version: VersionFolder) -> None:
    """Summary, counts, whether LATEST names it, and the data card of a published version."""
    from tasks.versions.promote import latest_line
    from tasks.versions.read import read_version

    print_version(Console(), opened(read_version, version), latest_line(version))


@app.command()
def diff(
    old: Annotated[str, typer.Argument(help="the earlier version's folder", callback=resolved_version)],
    new: Annotated[
        str,
        typer.Argument(help="the later version's folder (or <data_root>/<dataset>/LATEST)", callback=resolved_version),
    ],
) -> None:
    """Rows added and removed, counts per gate, metric changes and spec changes between two versions."""
    from tasks.versions.diff import diff_versions
    from tasks.versions.read import read_version

    print_diff(Console(), diff_versions(opened(read_version, old), opened(read_version, new)))


@app.command()
def quarantine(
    version: VersionFolder,
    examples: Annotated[int, typer.Option(help="example rows shown per reason", min=0)] = 2,
) -> None:
    """Rejected rows of a version: counts per stage and reason, with examples."""
    from tasks.versions.read import read_quarantine

    print_quarantine(Console(), opened(read_quarantine, version), examples)
