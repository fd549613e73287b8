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
        got.append(module.encoder("onnx-int8"))

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    module._load.cache_clear()  # later tests load the real one
    assert len(got) == 8 and len(built) == 1 and all(g is built[0] for g in got)
