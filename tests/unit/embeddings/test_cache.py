import numpy as np

from tasks.embeddings.cache import EmbeddingCache
from tests.helpers.fake_embed import bag_of_words


def test_vectors_are_embedded_once_and_read_back_across_builds(tmp_path):
    calls = []

    def embed(texts):
        calls.append(list(texts))
        return bag_of_words(texts, dims=384)

    first = EmbeddingCache(tmp_path / "e.sqlite", embed)
    vectors = first(["a cat", "a dog", "a cat"])
    assert calls == [["a cat", "a dog"]] and np.allclose(vectors[0], vectors[2])
    again = EmbeddingCache(tmp_path / "e.sqlite", embed)
    assert np.allclose(again(["a dog", "a bird"]), bag_of_words(["a dog", "a bird"], dims=384))
    assert calls[-1] == ["a bird"] and again.hits == 1 and again.misses == 1
