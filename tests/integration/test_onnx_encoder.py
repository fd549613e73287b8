"""The int8 ONNX encoder against the plain sentence-transformers encode of the same bundled model."""

import numpy as np

from tasks.embeddings.bundled_model import embed_texts
from tasks.embeddings.encoder import encoder

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
    crowd = [f"Another question, number {n}: which of these {n} options is right?" for n in range(20)]
    among_others = fast(crowd[:7] + TEXTS[::-1] + crowd[7:])[7 : 7 + len(TEXTS)][::-1]
    # Runs of 8 texts quantised each run's activations with one scale: one of these moved by 0.033 cosine here.
    assert np.abs(among_others - alone).max() < 1e-6
