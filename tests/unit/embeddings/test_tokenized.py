"""The int8 encoder's tokens do not depend on how many texts it hands the tokenizer at a time."""

from pathlib import Path

import numpy as np
from tokenizers import Tokenizer

from tasks.embeddings import onnx_int8
from tasks.embeddings.bundled_model import MAX_TOKENS, model_path


def test_blocks_of_any_size_give_the_same_tokens(monkeypatch):
    encoder = onnx_int8.OnnxEncoder.__new__(onnx_int8.OnnxEncoder)  # the tokenizer alone, no ONNX session
    encoder.tokenizer = Tokenizer.from_file(str(Path(model_path()) / "tokenizer.json"))
    encoder.tokenizer.no_padding()
    encoder.tokenizer.enable_truncation(MAX_TOKENS)
    texts = [f"What is {n} plus {n * 7}? " * (n % 5 + 1) for n in range(40)]
    whole = encoder._tokenized(texts)
    monkeypatch.setattr(onnx_int8, "TOKENIZE_BLOCK", 3)
    blocks = encoder._tokenized(texts)
    assert len(set(whole[0].tolist())) > 1  # lengths differ, so a misplaced block would show
    for one, other in zip((whole[0], whole[1], *whole[2]), (blocks[0], blocks[1], *blocks[2])):
        assert one.dtype == other.dtype and np.array_equal(one, other)
