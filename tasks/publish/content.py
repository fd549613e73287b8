"""What a published version holds, as one key: two builds with the same key published the same thing, so the second
publishes nothing ("unchanged")."""

from __future__ import annotations

import hashlib
import json
import os
from typing import Any

import pandas as pd
import yaml

from schemas import records as col
from schemas.spec import Spec
from tasks.fingerprints import file_sha256

# Fields that say how and where a build runs, not what it publishes: left out of a version's content key, so a
# change to them alone rebuilds into "unchanged" instead of a new version holding the same rows. (Not approval: a
# version a person approved is another version than one nobody did.)
RUN_SETTINGS = {
    "orchestration": None,
    "publish": (
        "data_root",
        "on_overlap",
        "overlap_wait_minutes",
        "keep_versions",
    ),
    "generator": ("limits", "concurrency", "max_concurrency", "batch_poll_seconds", "timeout_seconds"),
}


def content_spec(spec: Spec) -> str:
    """The resolved spec without its RUN_SETTINGS, as YAML: the spec's part of a version's content key. An input file
    is named by its content, not by where it lies: the same spec and files in another checkout (a worker's image, a
    teammate's clone) hold the same thing, and a file edited in place does not."""
    resolved = spec.model_dump(mode="json")
    for section, fields in RUN_SETTINGS.items():
        if fields is None:
            resolved.pop(section, None)
        else:
            for name in fields:
                resolved.get(section, {}).pop(name, None)
    return yaml.safe_dump(_by_content(resolved), sort_keys=True, allow_unicode=True)


def _by_content(node: Any) -> Any:
    """The resolved spec with each absolute path of a file replaced by the file's SHA-256."""
    if isinstance(node, dict):
        return {key: _by_content(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_by_content(value) for value in node]
    if isinstance(node, str) and os.path.isabs(node) and os.path.isfile(node):
        return f"sha256:{file_sha256(node)}"
    return node


def content_key(data: pd.DataFrame, quarantine: pd.DataFrame, spec_yaml: str, eval_sets: dict | None = None) -> str:
    """A hash of what a version holds, blind to row order and to the build run that produced it: the published
    rows, which rows were quarantined, the resolved spec (without the settings of how and where it ran,
    content_spec) and the content hashes of the eval sets the rows were
    checked against (an eval file edited in place leaves the spec as it was). Not where or why a row was
    quarantined: a rebuild after a publish finds the same duplicates as repeats of the published rows (another
    stage's check, another reason), and with the reasons in the key it published the same rows again once. Two
    builds with the same key published the same thing."""
    rows = data.drop(columns=[col.BUILD_RUN_ID]).sort_values(col.ID, kind="stable")
    rejected = quarantine[[col.ID]].drop_duplicates().sort_values(col.ID, kind="stable")
    digest = hashlib.sha256(spec_yaml.encode())
    if eval_sets:
        digest.update(json.dumps(eval_sets, sort_keys=True).encode())
    for frame in (rows, rejected):
        digest.update(pd.util.hash_pandas_object(frame.astype(str), index=False).to_numpy().tobytes())
    return digest.hexdigest()
