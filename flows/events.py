"""Prefect events a build emits, so automations can react: a published (or unchanged) version, a rejected one,
a failed build. Each event's resource is the dataset (`synthfactory.dataset.<name>`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from prefect import get_run_logger
from prefect.events import emit_event

PUBLISHED = "synthfactory.version.published"
UNCHANGED = "synthfactory.version.unchanged"
REJECTED = "synthfactory.build.rejected"
FAILED = "synthfactory.build.failed"


def dataset_resource(dataset: str) -> dict[str, str]:
    return {"prefect.resource.id": f"synthfactory.dataset.{dataset}", "prefect.resource.name": dataset}


def emit_build_event(event: str, dataset: str, **payload: Any) -> None:
    """One event about a dataset's build, with a JSON-able payload (version, path, counts, error)."""
    emit_event(event=event, resource=dataset_resource(dataset), payload=payload)


def failed_build_spec(parameters: dict[str, Any]) -> tuple[str, str]:
    """The spec path and dataset name a failed build's parameters name: the spec's `dataset` (as overridden), so a
    failure's resource is the one its published versions carry; the file's stem when the spec cannot be read."""
    # build_dataset names a spec file; the nightly's form names a spec in deployments/specs.
    spec_path = str(
        parameters.get("spec_path") or (f"deployments/specs/{parameters['spec']}.yaml" if "spec" in parameters else "")
    )
    overrides = parameters.get("overrides")
    dataset = overrides.get("dataset") if isinstance(overrides, dict) else None
    if not dataset and spec_path:
        try:  # the failure may be this very file: unreadable or not YAML
            spec = yaml.safe_load(Path(spec_path).read_text())
            dataset = spec.get("dataset") if isinstance(spec, dict) else None
        except (OSError, yaml.YAMLError):
            dataset = None
    return spec_path, str(dataset or spec_path.rsplit("/", 1)[-1].removesuffix(".yaml") or "unknown")


def emit_failure(flow: Any, flow_run: Any, state: Any) -> None:
    """Prefect's on_failure hook: the build failed (a gate, bad input, or a crash), naming the spec and the error."""
    spec_path, dataset = failed_build_spec(flow_run.parameters or {})
    emit_build_event(FAILED, dataset, spec_path=spec_path, flow_run_id=str(flow_run.id), error=str(state.message))


def announce_version(dataset: str, published: dict[str, Any]) -> None:
    """Log the outcome of a publish and emit its event: a new version, or the unchanged one that holds the rows."""
    counts = published["counts"]
    if published["unchanged"]:
        holds = "these rows, quarantine, spec and eval sets"
        get_run_logger().info("unchanged: %s already holds %s", published["version"], holds)
    else:
        get_run_logger().info("published %s with %s rows", published["path"], counts["published"]["total"])
    event = UNCHANGED if published["unchanged"] else PUBLISHED
    emit_build_event(event, dataset, version=published["version"], path=published["path"], counts=counts)
