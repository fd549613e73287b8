"""The Python API the command line also runs: validate, build and push a dataset from a script or a notebook.

Every function raises rather than exits: SpecError for bad input (naming the field, flag or file), the stage's own
error for a failed build (GateError, DiversityDrop, PrivacyError, BudgetExceeded, CircuitOpen). Importing this
module is cheap; Prefect, GX and the encoder load only when a build or preview needs them.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from schemas import spec as spec_model
from schemas.spec import Spec, SpecError
from schemas.spec_yaml import parse_spec_yaml

SpecSource = str | Path | Spec


@dataclass(frozen=True)
class BuildResult:
    """What a build did: the version it published (or found unchanged), its counts, and the flow's whole report."""

    version: str | None
    path: str | None
    counts: dict = field(default_factory=dict)
    published: bool = False
    unchanged: bool = False
    skipped: str | None = None  # another build held the dataset's lock and on_overlap is skip
    evaluation: dict | None = None
    report: dict = field(default_factory=dict, repr=False)

    @property
    def promoted(self) -> bool:
        """True unless a downstream evaluation refused the version (it is published, LATEST stays where it was)."""
        return not self.evaluation or bool(self.evaluation["promoted"])

    @classmethod
    def from_report(cls, report: dict) -> BuildResult:
        return cls(
            version=report.get("version"),
            path=report.get("path"),
            counts=report.get("counts", {}),
            published=bool(report.get("published")) and not report.get("unchanged"),  # a new version was written
            unchanged=bool(report.get("unchanged")),
            skipped=report.get("skipped"),
            evaluation=report.get("evaluation"),
            report=report,
        )


def parse_overrides(assignments: list[str] | None) -> dict[str, Any]:
    """`key=value` strings as {dotted key: value}; values are YAML (50 is an int, true a bool, [a, b] a list)."""
    overrides: dict[str, Any] = {}
    for assignment in assignments or []:
        key, sep, text = assignment.partition("=")
        if not sep or not key.strip():
            raise SpecError(f"--set {assignment}: expected key=value, e.g. generator.rows=50")
        try:  # read as a spec file is: no anchors, and a value YAML cannot build (2025-02-30) is named
            overrides[key.strip()] = parse_spec_yaml(text) if text.strip() else ""
        except SpecError as error:
            raise SpecError(f"--set {key.strip()}: {str(error).splitlines()[0]}") from None
    return overrides


def load_spec(spec: SpecSource, overrides: Mapping[str, Any] | None = None) -> Spec:
    """The spec validated for structure (not the files it names), with dotted overrides ({"generator.rows": 5})."""
    if not isinstance(spec, Spec):
        return spec_model.load_spec(spec, dict(overrides or {}))
    if not overrides:
        return spec
    raw = spec_model.apply_overrides(spec.model_dump(mode="json"), dict(overrides))
    return spec_model.parse_spec(raw, Path.cwd(), source="spec")  # its paths are already absolute


def validate(spec: SpecSource, overrides: Mapping[str, Any] | None = None) -> Spec:
    """The spec, checked for structure and for every file and setting it names; SpecError names what is wrong."""
    from tasks.spec_checks import check_spec_inputs

    loaded = load_spec(spec, overrides)
    check_spec_inputs(loaded)
    return loaded


class DataRootError(SpecError):
    """Versions cannot be written under the data root; `given` says whether the caller passed it."""

    def __init__(self, root: str, problem: str, given: bool):
        super().__init__(f"{'data_root' if given else 'publish.data_root'} {root}: {problem}")
        self.root, self.problem, self.given = root, problem, given


class PrefectUnavailable(RuntimeError):
    """The embedded Prefect API did not start."""


@dataclass(frozen=True)
class BuildPlan:
    """A build checked and ready to run: the validated spec and where it publishes."""

    source: SpecSource
    spec: Spec
    data_root: str | None
    overrides: dict[str, Any]


def plan_build(
    spec: SpecSource, data_root: str | Path | None = None, overrides: Mapping[str, Any] | None = None
) -> BuildPlan:
    """Everything a build checks before it starts, as SpecError: the spec, its files, the data root, approval."""
    from tasks.versions.store import data_root_problem

    loaded = validate(spec, overrides)
    root = str(data_root) if data_root else loaded.publish.default_root()
    if problem := data_root_problem(root, loaded.dataset):
        raise DataRootError(root, problem, given=bool(data_root))
    if loaded.publish.approval == "required" and not os.environ.get("PREFECT_API_URL"):
        raise SpecError(
            "publish.approval: required pauses for a person in the Prefect UI; run the build as a deployment on a "
            "server (make serve)"
        )
    return BuildPlan(spec, loaded, str(data_root) if data_root else None, dict(overrides or {}))


def run_build(plan: BuildPlan) -> BuildResult:
    """Run a planned build as the build-dataset flow, on an embedded Prefect unless PREFECT_API_URL names a server,
    with the command line's defaults where the environment has none but its log level (flows/environment.py: no
    analytics, the embedding model never fetched from the hub): without them the embedded API's telemetry
    heartbeat, failing offline, logged a traceback in every build run from Python."""
    from flows.environment import LIBRARY_DEFAULTS, apply_quiet_defaults

    apply_quiet_defaults(LIBRARY_DEFAULTS)  # before the embedded API starts: its process reads them
    from flows.build import build_dataset
    from flows.embedded_api import start_embedded_api

    try:
        start_embedded_api()
    except RuntimeError as error:
        raise PrefectUnavailable(f"the embedded Prefect API did not start: {error}") from None
    if not isinstance(plan.source, Spec):
        return BuildResult.from_report(build_dataset(str(plan.source), plan.data_root, plan.overrides or None))
    with tempfile.TemporaryDirectory(prefix="synthfactory-spec-") as folder:
        # The flow takes a file (its run form and replays need one): the resolved spec, its paths already absolute.
        path = Path(folder) / f"{plan.spec.dataset}.yaml"
        path.write_text(spec_model.dump_spec(plan.spec))
        return BuildResult.from_report(build_dataset(str(path), plan.data_root))


def build(
    spec: SpecSource, data_root: str | Path | None = None, overrides: Mapping[str, Any] | None = None
) -> BuildResult:
    """Build and publish one version, as `synthfactory build` does. data_root defaults to the spec's
    publish.data_root, else $SYNTHFACTORY_DATA_ROOT."""
    return run_build(plan_build(spec, data_root, overrides))
