"""Candidate pair features under the held-out protocol, before one is built into the pair model.

Each benchmark is scored by a model trained without it (bench/train_pair_scorer.py's fit and recall_at), beside
plain cosine on the same pairs: MRPC's labelled pairs by a model trained on MMLU and the word problems; MMLU's
queries by one trained on MRPC and the word problems; the second word-problem set by one trained on MMLU, MRPC and
the first set's dev split; that dev split by one trained on MMLU, MRPC and the second set; the first set's test
split (never trained on, read in aggregate only) by one trained as the shipped model is.
--token-alignment appends four values from the int8 encoder's token states of each text's normal form (each token
matched to its most similar token of the other text; docs/detection.md "Token alignment"): tok_P (the mean over the
candidate's tokens), tok_R (over the reference's), tok_F (their harmonic mean), tok_min (the smaller).

Usage: python bench/feature_sweep.py [--data DIR] [--token-alignment] [--plain-vectors] [--cache FILE]
FEATURES [FEATURES ...]
FEATURES: comma-separated names from tasks/similarity/pair_features.py's FEATURES (or tok_*). One JSON line each:
per benchmark [recall at 0.1, 1, 5% FPR] for the model and for cosine, and the coefficients trained on all.
--cache keeps the pair sets (a pickle) between runs: building them with token states takes about 10 minutes.
The cosine column (the model's and the baseline's here) is of the vectors a build embeds, each text with its numbers
written one way (tasks/embeddings/encoder.py); --plain-vectors embeds the texts as written, the vectors before that.
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import detection_data, train_pair_scorer  # noqa: E402
from bench.detection_data import FIRST_SET, PairSet  # noqa: E402
from tasks.similarity.pair_features import FEATURES  # noqa: E402

TOKEN_FEATURES = ["tok_P", "tok_R", "tok_F", "tok_min"]
HELD_OUT = {  # benchmark reported: the benchmarks its model is trained on
    "mrpc": ("mmlu", "words"),
    "mmlu": ("mrpc", "words"),
    "wp2": ("mmlu", "mrpc", "wp1dev"),
    "wp1dev": ("mmlu", "mrpc", "wp2"),
    "wp1test": ("mmlu", "mrpc", "words"),
}


class TokenStates:
    """Unit-length token states (no [CLS] or [SEP]) of a text, from the encoder a build embeds with, one text a run."""

    def __init__(self) -> None:
        from tasks.embeddings.encoder import encoder

        self.encoder = encoder("onnx-int8")
        self.known: dict[str, np.ndarray] = {}

    def __call__(self, text: str) -> np.ndarray:
        if text not in self.known:
            encoded = self.encoder.tokenizer.encode(text)
            feed = {
                name: np.array([values], np.int64)
                for name, values in zip(
                    ("input_ids", "attention_mask", "token_type_ids"),
                    (encoded.ids, encoded.attention_mask, encoded.type_ids),
                )
            }
            states = self.encoder.session.run(None, feed)[0][0][1:-1]
            states = states if len(states) else np.full((1, states.shape[1]), 1e-3, np.float32)
            self.known[text] = states / np.linalg.norm(states, axis=1, keepdims=True)
        return self.known[text]

    def alignment(self, candidate: str, reference: str) -> tuple[float, float, float, float]:
        similarity = self(candidate) @ self(reference).T
        precision, recall = float(similarity.max(1).mean()), float(similarity.max(0).mean())
        return precision, recall, 2 * precision * recall / (precision + recall), min(precision, recall)


def with_token_alignment() -> None:
    """Make detection_data's pair matrices carry TOKEN_FEATURES after FEATURES."""
    states, plain = TokenStates(), detection_data.pair_matrix

    def pair_matrix(candidates, references, pairs, embedding, idf, needed=None):
        matrix = plain(candidates, references, pairs, embedding, idf, needed)
        extra = [states.alignment(candidates[int(i)].text, references[int(j)].text) for i, j in pairs]
        return np.hstack([matrix, np.asarray(extra, dtype=np.float64).reshape(len(pairs), len(TOKEN_FEATURES))])

    detection_data.pair_matrix = pair_matrix


def pair_sets(data: Path, numbers_alike: bool = True) -> dict[str, PairSet]:
    from tasks.embeddings.cache import EmbeddingCache
    from tasks.local_cache import cache_root

    embed = EmbeddingCache(cache_root() / "embeddings.sqlite", numbers_alike=numbers_alike)
    return {
        "mmlu": detection_data.mmlu_pairs(data, embed, augment=True),
        "mrpc": detection_data.mrpc_pairs(data, embed, augment=True),
        "words": detection_data.word_problem_pairs(embed),
        "wp1dev": detection_data.word_problem_pairs(embed, ((FIRST_SET, "dev"),)),
        "wp2": detection_data.word_problem_pairs(embed, (("word_problems2", ""),)),
        "wp1test": detection_data.word_problem_pairs(embed, ((FIRST_SET, "test"),)),
    }


def held_out(sets: dict[str, PairSet], names: list[str], features: list[str]) -> dict:
    """Per benchmark ([model's recall at each FPR], [cosine's]), and the coefficients of the model trained on all."""

    def scores(model: dict, pairs: PairSet) -> np.ndarray:
        columns = [names.index(f) for f in model["features"]]
        standard = (pairs.features[:, columns] - np.array(model["mean"])) / np.array(model["scale"])
        return standard @ np.array(model["coef"]) + model["intercept"]

    def recalls(values: np.ndarray, labels: np.ndarray) -> list[float]:
        return [train_pair_scorer.recall_at(values, labels, fpr)["recall"] for fpr in train_pair_scorer.FPRS]

    out = {}
    for reported, trained_on in HELD_OUT.items():
        model, pairs = train_pair_scorer.fit([sets[k] for k in trained_on], features, names), sets[reported]
        if reported == "mrpc":  # pair level, MRPC's own labelled pairs
            labelled = ~pairs.query_generated
            ours, cosine, labels = scores(model, pairs)[labelled], pairs.features[labelled, 0], pairs.labels[labelled]
        else:  # query level, a query's best pair
            ours, labels = train_pair_scorer.query_scores(pairs, scores(model, pairs))
            cosine, _ = train_pair_scorer.query_scores(pairs, pairs.features[:, 0])
        out[reported] = (recalls(ours, labels), recalls(cosine, labels))
    everything = train_pair_scorer.fit([sets[k] for k in ("mmlu", "mrpc", "words")], features, names)
    out["coef_all"] = dict(zip(features, np.round(everything["coef"], 3).tolist()))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("features", nargs="+")
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--token-alignment", action="store_true")
    parser.add_argument("--cache", type=Path)
    parser.add_argument("--plain-vectors", action="store_true")
    args = parser.parse_args()
    names = FEATURES + (TOKEN_FEATURES if args.token_alignment else [])
    for listed in args.features:
        unknown = sorted(set(listed.split(",")) - set(names))
        if unknown:
            parser.error(f"unknown features {unknown} in {listed!r} (tok_* need --token-alignment)")
    if args.cache and args.cache.exists():
        sets = pickle.loads(args.cache.read_bytes())
        if sets["mrpc"].features.shape[1] != len(names):
            parser.error(f"{args.cache} holds {sets['mrpc'].features.shape[1]} columns, not {len(names)}")
    else:
        if args.token_alignment:
            with_token_alignment()
        sets = pair_sets(args.data, not args.plain_vectors)
        if args.cache:
            args.cache.write_bytes(pickle.dumps(sets))
    for listed in args.features:
        print(listed, json.dumps(held_out(sets, names, listed.split(","))), flush=True)


if __name__ == "__main__":
    main()
