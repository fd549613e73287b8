"""The nightly deployment's flow: a build of one of the specs in deployments/specs, driven by a typed run form."""

from __future__ import annotations

from prefect import flow
from prefect.runtime import flow_run

from flows.build import build_dataset
from flows.events import emit_failure
from flows.run_form import RunOverrides, SpecName, run_name, spec_path

DEMO = SpecName("demo")
NO_OVERRIDES = RunOverrides()


def nightly_run_name() -> str:
    """The run's dataset and scheduled day (for a manual run, the day it was started)."""
    return run_name(flow_run.parameters["spec"], flow_run.scheduled_start_time)


@flow(name="build-dataset", flow_run_name=nightly_run_name, on_failure=[emit_failure])
def nightly_build(spec: SpecName = DEMO, overrides: RunOverrides = NO_OVERRIDES) -> dict:
    """Build and publish one version of a spec from deployments/specs; overrides change this run only.

    Args:
        spec: the spec to build, from deployments/specs
        overrides: changes to the spec for this run only; empty fields keep the spec's values
    """
    # The Args above are the descriptions the Prefect UI shows under each field of the run form.
    # .fn: the build runs as this flow run, not as a second (child) run of the same flow; hence its hook above.
    return build_dataset.fn(str(spec_path(spec)), overrides.data_root, overrides.spec_fields())
