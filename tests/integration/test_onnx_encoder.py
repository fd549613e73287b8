"""The int8 ONNX encoder against the plain sentence-transformers encode of the same bundled model."""

import numpy as np

from tasks.embeddings.bundled_model import embed_texts
from tasks.embeddings.encoder import plain_encoder as encoder
from tasks.embeddings.onnx_int8 import same_length_runs

TEXTS = [
    "Which of the following statements is true?",
    "James shares 12 apples equally among 3 friends. How many apples does each friend get?",
    "This question refers to the following information. "
    + "The speech argued for tariffs on imported cloth. " * 20
    + "What did the speaker oppose?",
    "Write a haiku about autumn leaves.",
    "",
]


def test_int8_vectors_match_the_fp32_model_in_input_order():
    fast, plain = encoder("onnx-int8")(TEXTS), embed_texts(TEXTS)
    assert fast.shape == plain.shape == (len(TEXTS), 384) and fast.dtype == np.float32
    assert np.allclose(np.linalg.norm(fast, axis=1), 1.0, atol=1e-4)
    agreement = (fast * plain).sum(axis=1)
    assert agreement.min() > 0.97, agreement
    # Each text is nearest its own fp32 vector: nothing was reordered by the length-sorted batches.
    assert ((fast @ plain.T).argmax(axis=1) == np.arange(len(TEXTS))).all()
    assert encoder("onnx-int8")([]).shape == (0, 384)


def test_a_texts_vector_is_the_same_whatever_is_embedded_with_it():
    fast = encoder("onnx-int8")
    alone = np.vstack([fast([text]) for text in TEXTS])
    # Texts of the same token counts as TEXTS, so they share runs with them, and others.
    same_length = [
        "Which of the following statements is false?",
        "Tom shares 40 apples equally among 8 friends. How many apples does each friend get?",
        "Write a haiku about winter trees.",
    ]
    crowd = same_length * 5 + [f"Another question, number {n}: which of these {n} options is right?" for n in range(20)]
    among_others = fast(crowd[:7] + TEXTS[::-1] + crowd[7:])[7 : 7 + len(TEXTS)][::-1]
    # Runs of 8 texts quantised each run's activations with one scale: one of these moved by 0.033 cosine here.
    assert np.abs(among_others - alone).max() < 1e-6


def test_runs_hold_texts_of_one_token_count_at_most_a_run_long():
    lengths = np.array([5, 9, 5, 5, 9, 7, 5])
    runs = same_length_runs(lengths, size=3)
    assert [r.tolist() for r in runs] == [[1, 4], [5], [0, 2, 3], [6]]
    assert sorted(np.concatenate(runs).tolist()) == list(range(len(lengths)))
