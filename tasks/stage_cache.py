"""Cache keys for stage tasks: a stage's result is reused when its code, its spec and the content of its
input files are unchanged. With results persisted, a retried flow run skips the stages that finished."""

from __future__ import annotations

import hashlib
import inspect
import json
import os
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from tasks.fingerprints import file_sha256
from tasks.shards import shard_files
from tasks.stage_result import StageResult


def fingerprint(value: Any) -> Any:
    """A JSON-able stand-in for a parameter: stage shards (files, or folders of them) by their content, models by
    their fields.
    (Other paths, such as the request cache, count by name: their content is not an input.)"""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, StageResult):
        return fingerprint(value.as_dict())
    if isinstance(value, str) and value.endswith(".parquet") and os.path.isfile(value):
        return {"file": value, "sha256": file_sha256(value)}
    if isinstance(value, str) and os.path.isdir(value) and any(Path(value).glob("*.parquet")):
        return {"folder": value, "sha256": [file_sha256(f) for f in shard_files(value)]}
    if isinstance(value, dict):
        return {str(k): fingerprint(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [fingerprint(v) for v in value]
    return value


def stage_cache_key(context, parameters: dict[str, Any]) -> str:
    """Prefect's cache_key_fn: the task's source, then each parameter's fingerprint."""
    source = inspect.getsource(context.task.fn)
    blob = json.dumps([context.task.name, source, fingerprint(parameters)], sort_keys=True, default=str)
    return f"synthfactory-{context.task.name}-{hashlib.sha256(blob.encode()).hexdigest()}"
