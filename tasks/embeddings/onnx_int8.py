"""all-MiniLM-L6-v2 as dynamic-int8 ONNX, exported offline from the bundled model and run by onnxruntime.

The export (torch.onnx) and quantisation (onnxruntime, int8 weights per channel) run once and are kept under
the cache folder; no hub is asked. The quantisation is made per text (tasks/embeddings/per_row_quantisation.py) and
texts run in batches of the same token count, nothing padded, so a text's vector is a function of the text alone,
whatever else is embedded with it: the vector it gets run alone, bit for bit. Sentences are tokenised by the
model's own fast tokenizer, mean-pooled and scaled to unit length, as the sentence-transformers pipeline of this
model does. Measured on the MMLU development set:
0.993 mean cosine to the fp32 vectors.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import warnings
from concurrent.futures import ThreadPoolExecutor
from itertools import chain
from pathlib import Path

import numpy as np

from tasks.embeddings.bundled_model import DIMENSIONS, MAX_TOKENS, load_encoder, model_path

INPUTS = ("input_ids", "attention_mask", "token_type_ids")
ENCODING_FIELDS = (("ids", np.int32), ("attention_mask", np.int8), ("type_ids", np.int8))  # INPUTS' order
# Texts a tokenizer call at a time. The Encoding objects of a block are freed only after it, and the embed shards'
# threads tokenise side by side: blocks of 4,096 held 8 x 4,096 of them at once, freed to malloc but kept by the
# process (bench/embed_memory.py 40000, the embed shards' peak: 927 MB with 4,096, 823 MB with 256, same vectors).
TOKENIZE_BLOCK = 256
RUN_TEXTS = 32  # texts of one token count a run
_lock = threading.Lock()


def export_int8(folder: Path) -> Path:
    """The quantised model file, exported into `folder` on first use (one file per onnxruntime and model)."""
    import onnxruntime

    source = hashlib.sha256(model_path().encode()).hexdigest()[:8]
    folder = folder / f"all-MiniLM-L6-v2-int8-per-row-ort{onnxruntime.__version__}-{source}"
    target = folder / "model.int8.onnx"
    if not target.exists():
        folder.mkdir(parents=True, exist_ok=True)
        fp32, partial = folder / f"model.{os.getpid()}.fp32.onnx", folder / f"model.{os.getpid()}.int8.onnx"
        _export_fp32(fp32)
        _quantize(fp32, partial)
        partial.replace(target)  # atomic: another process exporting at the same time writes the same file
        fp32.unlink()
    return target


def _export_fp32(path: Path) -> None:
    import torch

    class LastHiddenState(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.bert = load_encoder()[0].auto_model.eval().requires_grad_(False)  # the bundled model, from disk

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.bert(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    sample = tuple(torch.ones((2, 8), dtype=torch.int64) for _ in INPUTS)
    axes = {name: {0: "batch", 1: "tokens"} for name in (*INPUTS, "last_hidden_state")}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the tracer's notes on shapes, which the dynamic axes cover
        torch.onnx.export(
            LastHiddenState(),
            sample,
            str(path),
            input_names=list(INPUTS),
            output_names=["last_hidden_state"],
            dynamic_axes=axes,
            opset_version=17,
            dynamo=False,
        )


def _quantize(source: Path, target: Path) -> None:
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    from tasks.embeddings.per_row_quantisation import per_row

    root = logging.getLogger()
    previous = root.level
    root.setLevel(logging.ERROR)  # the quantizer logs advice to pre-process the graph on the root logger
    try:
        quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8, per_channel=True)
    finally:
        root.setLevel(previous)
    onnx.save(per_row(onnx.load(str(target))), str(target))


class OnnxEncoder:
    def __init__(self, folder: Path):
        import onnxruntime
        from tokenizers import Tokenizer

        with _lock:
            path = export_int8(folder)
        options = onnxruntime.SessionOptions()
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        # A run is a few short texts, too small to split over threads: runs go side by side instead, one thread per
        # core this process may run on (onnxruntime counts the machine's cores, so a Dask worker held to one core ran
        # two spinning threads on it: a 40k build's embedding, 78 CPU s, threads waiting 285 s).
        options.intra_op_num_threads = 1
        self._cores = len(os.sched_getaffinity(0))
        self._threads = ThreadPoolExecutor(self._cores, thread_name_prefix="onnx-int8")
        self.session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self.tokenizer = Tokenizer.from_file(str(Path(model_path()) / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self._running = threading.Lock()

    def _tokenized(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, ...]]:
        """Each text's token count, where its tokens start, and the INPUTS' values of every text end to end.
        Tokenised a block at a time and kept as flat arrays: the tokenizer's Encoding objects of every text at
        once held 6 KB a text (5 GB at 870k rows), these hold 6 bytes a token."""
        lengths, flat = [], []
        for start in range(0, len(texts), TOKENIZE_BLOCK):
            encoded = self.tokenizer.encode_batch(list(texts[start : start + TOKENIZE_BLOCK]))
            lengths.append(np.array([len(e.ids) for e in encoded], dtype=np.int64))
            flat.append(
                tuple(
                    np.fromiter(chain.from_iterable(getattr(e, field) for e in encoded), dtype)
                    for field, dtype in ENCODING_FIELDS
                )
            )
        counts = np.concatenate(lengths)
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
        return counts, starts, tuple(np.concatenate([block[i] for block in flat]) for i in range(len(INPUTS)))

    def __call__(self, texts: list[str]) -> np.ndarray:
        """Unit-length float32 vectors, one row per text, in order. A run holds texts of one token count only: the
        per-row quantisation makes each text's vector its own, and padding would add tokens to its activations."""
        out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        if not texts:
            return out
        lengths, starts, values = self._tokenized(texts)
        runs = same_length_runs(lengths, RUN_TEXTS)
        with self._running:  # one call at a time, its runs spread over a thread per core this process may use
            list(
                self._threads.map(
                    lambda part: self._embed(part, starts, lengths, values, out), _dealt(runs, self._cores)
                )
            )
        return out

    def _embed(
        self,
        runs: list[np.ndarray],
        starts: np.ndarray,
        lengths: np.ndarray,
        values: tuple[np.ndarray, ...],
        out: np.ndarray,
    ) -> None:
        for rows in runs:
            tokens = starts[rows][:, None] + np.arange(lengths[rows[0]])
            feed = {name: flat[tokens].astype(np.int64) for name, flat in zip(INPUTS, values)}
            hidden = self.session.run(None, feed)[0]  # every token is real: nothing was padded
            for row, states in zip(rows.tolist(), hidden):
                pooled = states.mean(axis=0)
                out[row] = pooled / max(float(np.linalg.norm(pooled)), 1e-12)


def same_length_runs(lengths: np.ndarray, size: int) -> list[np.ndarray]:
    """Row numbers grouped by token count, at most `size` a group, longest first (the longest runs are dealt
    first, so the threads finish together)."""
    order = np.argsort(-lengths, kind="stable")
    bounds = np.flatnonzero(np.diff(lengths[order])) + 1
    return [group[i : i + size] for group in np.split(order, bounds) for i in range(0, len(group), size)]


def _dealt(items: list, hands: int) -> list[list]:
    """items dealt round-robin into `hands` lists (runs sorted longest first: each hand gets long and short ones)."""
    return [items[hand::hands] for hand in range(hands)]
