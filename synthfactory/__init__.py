"""synthfactory as a library: what the command line does, callable from a script or a notebook.

    from synthfactory import build, preview, validate
    validate("deployments/specs/demo.yaml")                       # the Spec, or SpecError naming the field or file
    preview("deployments/specs/demo.yaml", rows=5).rows           # verdict and reason per row; nothing written
    result = build("deployments/specs/demo.yaml", data_root="build/data", overrides={"generator.rows": 50})
    result.path, result.counts["published"]
    push(result.path, "hf://datasets/ORG/NAME")                   # or any fsspec URL

Every function raises instead of exiting, and every exception it raises is importable from here:

    from synthfactory import GateError, SpecError
"""

from importlib import import_module
from typing import Any

from synthfactory.api import (
    BuildResult,
    DataRootError,
    PrefectUnavailable,
    SpecError,
    build,
    load_spec,
    plan_build,
    run_build,
    validate,
)
from synthfactory.row_preview import PreviewResult, preview
from synthfactory.version_push import PushFailed, PushInputError, PushResult
from synthfactory.version_push import push_version as push

# A failed build's errors live beside the stages that raise them, whose modules load GX, pandas or the LLM
# clients: imported on first use, so `import synthfactory` stays cheap.
STAGE_ERRORS = {
    "BudgetExceeded": "tasks.llm.costs",
    "CircuitOpen": "tasks.llm.limits",
    "DiversityDrop": "tasks.publish.assemble",
    "GateError": "tasks.verify.expectations",
    "PrivacyError": "tasks.privacy.guard",
}


def __getattr__(name: str) -> Any:
    if name in STAGE_ERRORS:
        return getattr(import_module(STAGE_ERRORS[name]), name)
    raise AttributeError(f"module 'synthfactory' has no attribute {name!r}")


__all__ = [
    "BudgetExceeded",
    "BuildResult",
    "CircuitOpen",
    "DataRootError",
    "DiversityDrop",
    "GateError",
    "PrefectUnavailable",
    "PrivacyError",
    "PushFailed",
    "PushInputError",
    "PreviewResult",
    "PushResult",
    "SpecError",
    "build",
    "load_spec",
    "plan_build",
    "preview",
    "push",
    "run_build",
    "validate",
]
