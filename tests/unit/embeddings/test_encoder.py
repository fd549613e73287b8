"""The encoder is loaded once per process, even when a stage's shard threads ask for it at the same moment."""

import threading

from tasks.embeddings import encoder as module


def test_threads_asking_at_once_share_one_encoder(monkeypatch):
    built = []
    two_inside = threading.Barrier(2, timeout=1)  # met only if a second thread starts loading while one is

    class Loading:
        def __init__(self, folder):
            try:
                two_inside.wait()
            except threading.BrokenBarrierError:
                pass
            built.append(self)

    monkeypatch.setattr(module, "OnnxEncoder", Loading)
    module._load.cache_clear()
    start = threading.Barrier(8)
    got = []

    def ask():
        start.wait()
        got.append(module.plain_encoder("onnx-int8"))

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    module._load.cache_clear()  # later tests load the real one
    assert len(got) == 8 and len(built) == 1 and all(g is built[0] for g in got)


def test_a_released_encoder_is_freed_and_a_cache_loads_one_only_to_embed(monkeypatch, tmp_path):
    import gc
    import weakref

    import numpy as np

    from tasks.embeddings.cache import EmbeddingCache

    class Loaded:
        def __init__(self, folder):
            pass

        def __call__(self, texts):
            return np.ones((len(texts), 3), np.float32)

    monkeypatch.setattr(module, "OnnxEncoder", Loaded)
    module._load.cache_clear()
    first = weakref.ref(module.plain_encoder("onnx-int8"))
    module.release_encoders()
    gc.collect()
    assert first() is None and module.loaded_backends() == 0
    cache = EmbeddingCache(tmp_path / "vectors.sqlite")
    cache.store(["stored"], np.zeros((1, 3)))
    assert cache(["stored"]).tolist() == [[0, 0, 0]] and module.loaded_backends() == 0  # read back: none loaded
    assert cache(["new"]).tolist() == [[1, 1, 1]] and module.loaded_backends() == 1
    module._load.cache_clear()  # later tests load the real one
