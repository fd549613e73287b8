"""synthfactory as a library: what the command line does, callable from a script or a notebook.

    from synthfactory import build, preview, validate
    validate("deployments/specs/demo.yaml")                       # the Spec, or SpecError naming the field or file
    preview("deployments/specs/demo.yaml", rows=5).rows           # verdict and reason per row; nothing written
    result = build("deployments/specs/demo.yaml", data_root="build/data", overrides={"generator.rows": 50})
    result.path, result.counts["published"]
    push(result.path, "hf://datasets/ORG/NAME")                   # or any fsspec URL

Every function raises instead of exiting; see synthfactory/api.py for the exceptions.
"""

from synthfactory.api import BuildResult, build, load_spec, plan_build, run_build, validate
from synthfactory.row_preview import PreviewResult, preview
from synthfactory.version_push import PushResult
from synthfactory.version_push import push_version as push

__all__ = [
    "BuildResult",
    "PreviewResult",
    "PushResult",
    "build",
    "load_spec",
    "plan_build",
    "preview",
    "push",
    "run_build",
    "validate",
]
