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


def test_a_call_embeds_all_its_texts_together_whatever_is_stored_and_stores_them(tmp_path):
    calls = []

    def embed(texts):  # a batch-dependent encoder: each vector shifted by how many texts share the call
        calls.append(list(texts))
        return bag_of_words(texts, dims=384) + len(texts)

    cache = EmbeddingCache(tmp_path / "e.sqlite", embed)
    cache(["a dog"])
    vectors = cache.embed_call(["a cat", "a dog", "a cat"])
    assert calls[-1] == ["a cat", "a dog"]  # "a dog" is embedded again, beside its call's texts
    assert np.allclose(vectors[1], bag_of_words(["a dog"], dims=384)[0] + 2) and np.allclose(vectors[0], vectors[2])
    assert np.allclose(cache(["a dog", "a cat"]), vectors[[1, 0]]) and len(calls) == 2  # stored, read back
    cache.store(["a dog"], vectors[[0]])
    assert np.allclose(cache(["a dog"]), vectors[0])  # store replaces
