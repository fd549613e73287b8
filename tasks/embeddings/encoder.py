"""The embedding function of a backend: "onnx-int8" (the default; tasks/embeddings/onnx_int8.py, 2.8 times the
plain encode on this machine) or "torch" (tasks/embeddings/bundled_model.py, fp32). Their vectors differ
slightly, so caches keep them apart.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

import numpy as np

from tasks.embeddings.bundled_model import embed_texts
from tasks.embeddings.onnx_int8 import OnnxEncoder
from tasks.local_cache import cache_root

BACKENDS = ("onnx-int8", "torch")
DEFAULT_BACKEND = "onnx-int8"


@lru_cache(maxsize=4)
def encoder(backend: str = DEFAULT_BACKEND) -> Callable[[list[str]], np.ndarray]:
    """The embedding function of a backend, loaded once per process."""
    if backend == "torch":
        return embed_texts
    if backend == "onnx-int8":
        return OnnxEncoder(cache_root() / "models")
    raise ValueError(f"unknown embedding backend {backend!r}; choose one of {', '.join(BACKENDS)}")
