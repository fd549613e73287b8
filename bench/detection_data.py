"""Development pairs for the pair scorer, as feature matrices: MMLU contamination and MRPC paraphrase pairs.

Shared by bench/train_pair_scorer.py and bench/detection.py so the model is trained and measured on features
computed by the same code that runs in a build (tasks/decontaminate/eval_index.py, tasks/similarity/collection.py).
Extra pairs teaching number-format invariance are generated offline from the development texts themselves
(bench/number_rewrites.py): numbers re-spelled are the same item, numbers changed are not, an item quoted
inside a longer text is a copy.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from bench.number_rewrites import has_digits, shift_numbers, spell_numbers, wrap_in
from tasks.decontaminate.eval_index import EvalIndex, cached_eval_index
from tasks.similarity.collection import neighbour_pairs, pair_embedding_features
from tasks.similarity.pair_features import idf_weights, pair_matrix, profile
from tasks.text_features import word_tokens
from tasks.vectors.index import build_index

DATA = Path(__file__).resolve().parent / "data"
FIRST_SET = "word_problems"
# Trained on: the second set whole and the first set's dev split; the first set's test split is never trained on.
WORD_PROBLEM_TRAINING = (("word_problems2", ""), (FIRST_SET, "dev"))
AUGMENT_SAMPLE = 600  # texts per kind of generated pair
NEIGHBOUR_NEGATIVES = 3  # MRPC: each sampled sentence against its nearest other sentences


@dataclass
class PairSet:
    """Pairs of one benchmark: features, pair labels, which query each pair belongs to, and per query its label,
    whether it was generated, and whether it is a distinct row against its nearest rows (a dedup-like negative)."""

    name: str
    features: np.ndarray
    labels: np.ndarray
    query: np.ndarray
    query_labels: np.ndarray
    query_generated: np.ndarray
    query_distinct: np.ndarray


def read_jsonl(path: Path) -> pd.DataFrame:
    return pd.read_json(path, lines=True)


def mmlu_index(data: Path, embed) -> tuple[pd.DataFrame, EvalIndex]:
    evals = read_jsonl(data / "contamination-dev" / "eval_mmlu_test.jsonl")
    return evals, cached_eval_index(
        evals["id"].tolist(),
        evals["text"].tolist(),
        embed,
        embed.path.parent / "eval_indexes",
        embed.model_id,
        calibrate=False,
    )


def mmlu_queries(data: Path, evals: pd.DataFrame, augment: bool, seed: int = 0) -> pd.DataFrame:
    """Candidates with the eval item they restate (source_id; None for negatives) and whether generated."""
    positives = read_jsonl(data / "contamination-dev" / "positives_mmlu_rephrased.jsonl")
    negatives = read_jsonl(data / "contamination-dev" / "negatives_mmlu_val_dev.jsonl")
    rows = [(t, s, False) for t, s in zip(positives["text"], positives["source_id"])] + [
        (t, None, False) for t in negatives["text"]
    ]
    if augment:
        rng = np.random.default_rng(seed)
        with_digits = evals[evals["text"].map(has_digits)].sample(AUGMENT_SAMPLE, random_state=seed)
        rephrased = positives[positives["text"].map(has_digits)]
        fillers = evals["text"].sample(AUGMENT_SAMPLE, random_state=seed + 1).tolist()
        rows += [(spell_numbers(t, rng), i, True) for t, i in zip(with_digits["text"], with_digits["id"])]
        rows += [(spell_numbers(t, rng), s, True) for t, s in zip(rephrased["text"], rephrased["source_id"])]
        rows += [(shift_numbers(t, rng), None, True) for t in with_digits["text"]]  # same template, other numbers
        rows += [(shift_numbers(t, rng), None, True) for t in rephrased["text"]]
        quoted = evals.sample(AUGMENT_SAMPLE // 2, random_state=seed + 2)
        rows += [(wrap_in(t, f, rng), i, True) for t, i, f in zip(quoted["text"], quoted["id"], fillers)]
    return pd.DataFrame(rows, columns=["text", "source_id", "generated"])


def mmlu_pairs(data: Path, embed, augment: bool) -> PairSet:
    """Each candidate against its nearest eval items (as decontamination scores it); a pair is positive when the
    item is the one the candidate restates."""
    evals, index = mmlu_index(data, embed)
    return _eval_pairs("mmlu", index, mmlu_queries(data, evals, augment), embed)


def in_split(frame: pd.DataFrame, split: str) -> pd.DataFrame:
    """The split's rows; a set without a `split` column is one split, read whole."""
    return frame[frame["split"] == split] if "split" in frame.columns else frame


def word_problem_frames(split: str, name: str = FIRST_SET) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(every eval item, the split's rephrasings with source_id, the split's negatives) of set `name`
    (bench/data/<name>_{eval,rephrased,negatives}.jsonl)."""
    evals = read_jsonl(DATA / f"{name}_eval.jsonl")
    rephrased = read_jsonl(DATA / f"{name}_rephrased.jsonl")
    negatives = read_jsonl(DATA / f"{name}_negatives.jsonl")
    return evals, in_split(rephrased, split), in_split(negatives, split)


def word_problem_pairs(embed, sets: tuple[tuple[str, str], ...] = WORD_PROBLEM_TRAINING) -> PairSet:
    """Each (set, split)'s rephrasings and negatives against their nearest items of that set's eval index, as
    decontamination scores them; a pair is positive when the item is the one rephrased. One benchmark. A negative
    that repeats an item's story and asks another question stays a negative: the scorer answers "does it restate
    the same task"; contamination's copy check flags a story copied with every number whatever the score."""
    parts = []
    for name, split in sets:
        evals, rephrased, negatives = word_problem_frames(split, name)
        index = cached_eval_index(
            evals["id"].tolist(), evals["text"].tolist(), embed, embed.path.parent / "eval_indexes", embed.model_id,
            calibrate=False,
        )  # fmt: skip
        queries = pd.DataFrame(
            {
                "text": [*rephrased["text"], *negatives["text"]],
                "source_id": [*rephrased["source_id"], *[None] * len(negatives)],
            }
        )
        parts.append(_eval_pairs(f"{name}:{split}", index, queries, embed))
    return _concatenated("word_problems", parts)


def _eval_pairs(name: str, index: EvalIndex, queries: pd.DataFrame, embed) -> PairSet:
    """queries (text, source_id: the item restated or None, optional generated) against their nearest items."""
    pairs, embedding = index.item_pairs(embed(queries["text"].tolist()))
    profiles = [profile(t) for t in queries["text"]]
    references = {int(j): index.profile(int(j)) for j in np.unique(pairs[:, 1])}
    features = pair_matrix(profiles, references, pairs, embedding, index.idf)
    item_ids = np.array(index.ids, dtype=object)
    labels = (item_ids[pairs[:, 1]] == queries["source_id"].to_numpy(dtype=object)[pairs[:, 0]]).astype(int)
    is_negative = queries["source_id"].isna().to_numpy()
    generated = queries["generated"].to_numpy() if "generated" in queries else np.zeros(len(queries), bool)
    return PairSet(name, features, labels, pairs[:, 0], (~is_negative).astype(int), generated, is_negative & ~generated)


def _concatenated(name: str, sets: list[PairSet]) -> PairSet:
    """Several pair sets as one benchmark (query numbers shifted so they stay distinct)."""
    offsets = np.cumsum([0] + [len(s.query_labels) for s in sets[:-1]])
    return PairSet(
        name,
        np.vstack([s.features for s in sets]),
        np.concatenate([s.labels for s in sets]),
        np.concatenate([s.query + offset for s, offset in zip(sets, offsets)]),
        np.concatenate([s.query_labels for s in sets]),
        np.concatenate([s.query_generated for s in sets]),
        np.concatenate([s.query_distinct for s in sets]),
    )


def mrpc_frame(data: Path) -> pd.DataFrame:
    return read_jsonl(data / "paraphrase-dev" / "mrpc_train_pairs.jsonl")


def mrpc_pairs(data: Path, embed, augment: bool, neighbours: bool = True, seed: int = 0) -> PairSet:
    """MRPC's labelled pairs (a paraphrase restates its partner), scored as dedup scores two rows of one
    collection (every MRPC sentence), with, for training, each sampled sentence against its nearest others."""
    frame = mrpc_frame(data)
    rows = [(a, b, int(y), False) for a, b, y in zip(frame["text_a"], frame["text_b"], frame["label"])]
    if augment:
        rng = np.random.default_rng(seed)
        numbered = frame[(frame["label"] == 1) & frame["text_b"].map(has_digits)].sample(
            AUGMENT_SAMPLE, random_state=seed, replace=False
        )
        rows += [(spell_numbers(b, rng), a, 1, True) for a, b in zip(numbered["text_a"], numbered["text_b"])]
        rows += [(shift_numbers(b, rng), a, 0, True) for a, b in zip(numbered["text_a"], numbered["text_b"])]
        rows += [(shift_numbers(a, rng), a, 0, True) for a in numbered["text_a"]]
        rows += [
            (wrap_in(a, b, rng), a, 1, True)
            for a, b in zip(
                numbered["text_a"][: AUGMENT_SAMPLE // 2],
                frame["text_b"].sample(AUGMENT_SAMPLE // 2, random_state=seed),
            )
        ]
    texts = list(dict.fromkeys([t for a, b, _, _ in rows for t in (a, b)]))
    place = {t: i for i, t in enumerate(texts)}
    vectors = embed(texts)
    index = build_index(vectors)
    pairs = np.array([(place[a], place[b]) for a, b, _, _ in rows], dtype=np.int64)
    labels, generated = np.array([r[2] for r in rows]), np.array([r[3] for r in rows])
    distinct = np.zeros(len(rows), bool)
    if neighbours:  # original sentences against their nearest other original sentences
        originals = np.array(sorted({place[t] for t in frame["text_a"]} | {place[t] for t in frame["text_b"]}))
        sample = np.random.default_rng(seed).choice(originals, min(len(originals), 3000), replace=False)
        near = neighbour_pairs(
            build_index(vectors[originals]), vectors[sample], NEIGHBOUR_NEGATIVES, np.searchsorted(originals, sample)
        )
        near = np.stack([sample[near[:, 0]], originals[near[:, 1]]], axis=1)
        known = {(a, b) for a, b in pairs.tolist()} | {(b, a) for a, b in pairs.tolist()}
        near = np.array([p for p in near.tolist() if tuple(p) not in known], dtype=np.int64).reshape(-1, 2)
        pairs = np.vstack([pairs, near])
        labels, generated = np.r_[labels, np.zeros(len(near), int)], np.r_[generated, np.ones(len(near), bool)]
        distinct = np.r_[distinct, np.ones(len(near), bool)]
    embedding = _collection_features(index, vectors, pairs)
    profiles = [profile(t) for t in texts]
    features = pair_matrix(profiles, profiles, pairs, embedding, idf_weights(word_tokens(t) for t in texts))
    return PairSet("mrpc", features, labels, np.arange(len(pairs)), labels, generated, distinct)


def _collection_features(index, vectors: np.ndarray, pairs: np.ndarray) -> np.ndarray:
    """Embedding features of arbitrary (a, b) pairs of one collection: each pair's a is its own query."""
    queries = vectors[pairs[:, 0]]
    own = np.stack([np.arange(len(pairs)), pairs[:, 1]], axis=1)
    return pair_embedding_features(index, queries, vectors[pairs[:, 1]], own, pairs[:, 0])
