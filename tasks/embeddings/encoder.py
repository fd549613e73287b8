"""The embedding function of a backend: "onnx-int8" (the default; tasks/embeddings/onnx_int8.py, 2.8 times the
plain encode on this machine) or "torch" (tasks/embeddings/bundled_model.py, fp32). Their vectors differ
slightly, so caches keep them apart. Each text is embedded with its numbers written one way
(tasks/similarity/numbers_alike_text.py), so a rephrasing that writes "thrice" for "3 times" embeds near its
item: held out, that cosine beside changed numbers ranks above plain cosine on every benchmark (docs/detection.md).
plain_encoder embeds the text as written (the benchmarks' plain-cosine baseline).
"""

from __future__ import annotations

import gc
import hashlib
import inspect
import threading
from collections.abc import Callable
from functools import lru_cache, partial
from importlib import metadata

import numpy as np

from tasks.allocator import release_free_memory
from tasks.embeddings.bundled_model import embed_texts, load_encoder
from tasks.embeddings.onnx_int8 import OnnxEncoder
from tasks.local_cache import cache_root
from tasks.similarity import dates, number_phrases, number_words, numbers, numbers_alike_text, units
from tasks.similarity.numbers_alike_text import numbers_written_alike

BACKENDS = ("onnx-int8", "torch")
DEFAULT_BACKEND = "onnx-int8"
# What the caches call each backend's vectors. A change to how a backend computes them takes a new name, so no cache
# serves the old kind beside the new: the int8 vectors were computed 8 texts a run until each text got a run of its
# own, and the old ones depended on their batch. Runs of same-length texts with per-text quantisation
# (tasks/embeddings/per_row_quantisation.py) give each text the vector it gets in a run of its own, bit for bit
# (measured on 3,000 texts; tests/integration/test_onnx_encoder.py), so they keep the name.
# The int8 kind names its onnxruntime too: another release may quantise and compute otherwise (the export is redone).
PLAIN_VECTOR_KINDS = {"onnx-int8": f"onnx-int8/one-text-a-run/ort{metadata.version('onnxruntime')}", "torch": "torch"}
# The texts written alike depend on the number reading: its code names them, so a reading changed is a new kind.
_ALIKE_CODE = (numbers_alike_text, numbers, number_phrases, number_words, units, dates)
ALIKE_DIGEST = hashlib.sha256("".join(inspect.getsource(m) for m in _ALIKE_CODE).encode()).hexdigest()[:8]
VECTOR_KINDS = {backend: f"{kind}/numbers-alike-{ALIKE_DIGEST}" for backend, kind in PLAIN_VECTOR_KINDS.items()}


_loading = threading.Lock()


def encoder(backend: str = DEFAULT_BACKEND) -> Callable[[list[str]], np.ndarray]:
    """The embedding function of a backend, each text with its numbers written one way."""
    return partial(_numbers_alike, plain_encoder(backend))


def plain_encoder(backend: str = DEFAULT_BACKEND) -> Callable[[list[str]], np.ndarray]:
    """The embedding function of a backend on texts as written, loaded once per process, however many threads ask
    at once (lru_cache alone let each of a stage's embed-shard threads load its own session: 8 sessions, each with
    its own arena and threads, at 100k rows 0.9 GB more)."""
    with _loading:
        return _load(backend)


def _numbers_alike(embed: Callable[[list[str]], np.ndarray], texts: list[str]) -> np.ndarray:
    return embed([numbers_written_alike(text) for text in texts])


@lru_cache(maxsize=4)
def _load(backend: str) -> Callable[[list[str]], np.ndarray]:
    if backend == "torch":
        return embed_texts
    if backend == "onnx-int8":
        return OnnxEncoder(cache_root() / "models")
    raise ValueError(f"unknown embedding backend {backend!r}; choose one of {', '.join(BACKENDS)}")


def release_encoders() -> None:
    """Forget the loaded encoders (the next call loads again) and hand the memory they held back: the int8
    session's arena and the tokenizer's heap, which the stages after embedding do not need. Nothing to do in a
    process that holds none (a full collection cost dedup's decision 0.65 of its 1.35 s at 100k rows)."""
    with _loading:
        held = _load.cache_info().currsize + load_encoder.cache_info().currsize
        _load.cache_clear()
        load_encoder.cache_clear()  # the torch backend's model
    if held:
        gc.collect()
        release_free_memory()


def loaded_backends() -> int:
    """How many backends this process has loaded (a Dask worker that embedded has 1)."""
    return _load.cache_info().currsize
