"""Cache keys for stage tasks: a stage's result is reused when its code, its spec and the content of its
input files are unchanged. With results persisted, a retried flow run skips the stages that finished.

"Its code" is every module and data file of the project's packages, not the task function alone: a stage's verdict
also depends on the code it calls and on the files it reads (the pair scorer's model, the stored suites), and a run
resumed after an upgrade must not reuse verdicts the old code reached."""

from __future__ import annotations

import hashlib
import inspect
import json
import os
from dataclasses import asdict, is_dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel

from tasks.fingerprints import file_sha256
from tasks.shards import shard_files


def fingerprint(value: Any) -> Any:
    """A JSON-able stand-in for a parameter: stage shards (files, or folders of them) by their content, models by
    their fields, arrays by their bytes (str() of a long array elides its middle).
    (Other paths, such as the request cache, count by name: their content is not an input.)"""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, np.ndarray):
        return {"array": str(value.dtype), "shape": value.shape, "sha256": hashlib.sha256(value.tobytes()).hexdigest()}
    if is_dataclass(value) and not isinstance(value, type):  # a StageResult, a blend plan
        return fingerprint(asdict(value))
    if isinstance(value, str) and value.endswith(".parquet") and os.path.isfile(value):
        return {"file": value, "sha256": file_sha256(value)}
    if isinstance(value, str) and os.path.isdir(value) and any(Path(value).glob("*.parquet")):
        return {"folder": value, "sha256": [file_sha256(f) for f in shard_files(value)]}
    if isinstance(value, dict):
        return {str(k): fingerprint(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [fingerprint(v) for v in value]
    return value


PACKAGES = ("tasks", "schemas")
ROOT = Path(__file__).resolve().parents[1]


def code_files() -> list[Path]:
    """The files a stage's result may depend on: every module and data file of the packages."""
    return sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*") if p.suffix in (".py", ".json"))


@cache
def code_digest() -> str:
    digest = hashlib.sha256()
    for path in code_files():
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def stage_cache_key(context, parameters: dict[str, Any]) -> str:
    """Prefect's cache_key_fn: the task's name and source, the packages' code, then each parameter's fingerprint."""
    source = inspect.getsource(context.task.fn)
    blob = json.dumps([context.task.name, source, code_digest(), fingerprint(parameters)], sort_keys=True, default=str)
    return f"synthfactory-{context.task.name}-{hashlib.sha256(blob.encode()).hexdigest()}"
