import random

import numpy as np
import pandas as pd

from schemas import records as col
from tasks.dedup.duplicates import dedup_rows, find_duplicates, vectors_of
from tasks.dedup.minhash import candidate_pairs, find_lexical_duplicates
from tasks.dedup.plan import EXACT, NEAR, find_exact_duplicates
from tasks.dedup.published_index import PublishedIndex, sync_published
from tasks.embeddings.row_vectors import VectorsByText
from tasks.text_features import normalize_text
from tests.helpers.fake_embed import bag_of_words


def test_normal_form_folds_case_punctuation_and_spacing():
    assert normalize_text("  Hello,   WORLD!! ") == normalize_text("hello world")


def test_exact_duplicates_point_at_first_occurrence():
    found = find_exact_duplicates(["A cat.", "a dog", "a CAT", "A cat!"])
    assert [(d.position, d.duplicate_of) for d in found] == [(2, 0), (3, 0)]


def test_near_duplicates_need_the_same_numbers():
    texts = [
        "Maria has 3 apples and buys 4 more apples today",
        "Maria has 3 apples and then buys 4 more apples today",
        "Maria has 7 apples and then buys 9 more apples today",
        "Write a poem about the sea",
    ]
    found = find_duplicates(texts, threshold=0.8, embed=bag_of_words)
    assert [(d.position, d.duplicate_of, d.reason) for d in found] == [(1, 0, NEAR)]


def test_dedup_rows_quarantines_with_duplicate_of_ids():
    frame = pd.DataFrame(
        {
            col.ID: ["a", "b", "c"],
            col.INSTRUCTION: ["Sort the list", "sort the list.", "Reverse it"],
            col.INPUT: ["", "", ""],
        }
    )
    kept, quarantined = dedup_rows(frame, threshold=0.99, embed=bag_of_words)
    assert kept[col.ID].tolist() == ["a", "c"]
    assert quarantined[[col.ID, col.REASON, col.DUPLICATE_OF, col.STAGE]].values.tolist() == [
        ["b", EXACT, "a", "dedup"]
    ]


def test_synthetic_rows_repeating_real_ones_are_dropped_and_real_rows_never_are():
    real = pd.DataFrame(
        {col.ID: ["r1", "r2"], col.INSTRUCTION: ["Sort the list", "sort the list!"], col.INPUT: ["", ""]}
    )
    synthetic = pd.DataFrame(
        {col.ID: ["s1", "s2"], col.INSTRUCTION: ["SORT the list.", "Paint a fence"], col.INPUT: ["", ""]}
    )
    kept, quarantined = dedup_rows(synthetic, threshold=0.99, embed=bag_of_words, references=real)
    assert kept[col.ID].tolist() == ["s2"]
    assert quarantined[[col.ID, col.DUPLICATE_OF]].values.tolist() == [["s1", "r1"]]


def test_minhash_finds_lexical_near_duplicates_with_the_same_numbers():
    texts = [
        "Write a short story about a dragon who guards 3 golden eggs in a mountain cave at night",
        "Write a short story about a dragon who guards 3 golden eggs in a mountain cave at dawn",
        "Write a short story about a dragon who guards 5 golden eggs in a mountain cave at night",
        "List the planets of the solar system in order",
    ]
    found = find_lexical_duplicates(
        texts, threshold=0.6, same=lambda pairs: ["5" not in texts[row] for row, _ in pairs]
    )
    assert [(p, k) for p, k, _ in found] == [(1, 0)]
    in_pipeline = find_duplicates(texts, threshold=0.9, embed=bag_of_words, minhash_threshold=0.6)
    assert [(d.position, d.reason) for d in in_pipeline] == [(1, "lexical_near_duplicate")]


def lexical_one_pair_at_a_time(texts, threshold, same):
    """The datasketch MinHashLSH pass find_lexical_duplicates replaced: query, then insert what stays."""
    from datasketch import MinHashLSH

    from tasks.dedup.minhash import NUM_PERM, minhash

    index, signatures, found = MinHashLSH(threshold=threshold, num_perm=NUM_PERM), {}, []
    for position, text in enumerate(texts):
        signature = minhash(text)
        matches = [
            (signature.jaccard(signatures[other]), other)
            for other in index.query(signature)
            if signature.jaccard(signatures[other]) >= threshold and same(position, other)
        ]
        if matches:
            score, kept = max(matches)
            found.append((position, kept, float(score)))
            continue
        index.insert(position, signature)
        signatures[position] = signature
    return found


def test_minhash_in_one_batch_decides_as_the_pass_one_pair_at_a_time():
    rng = random.Random(3)
    base = [
        "Write a short story about a dragon who guards golden eggs in a mountain cave at night and sings",
        "Explain how tides follow the moon and why there are two of them every single day on most coasts",
        "List the planets of the solar system in order from the sun with one fact about each planet",
    ]
    texts = []
    for _ in range(60):
        words = rng.choice(base).split()
        for _ in range(rng.randrange(3)):
            words[rng.randrange(len(words))] = rng.choice(["red", "blue", "7", "9", "quietly"])
        texts.append(" ".join(words))
    refuse = lambda row, other: (row + other) % 5 != 0  # noqa: E731
    batch = find_lexical_duplicates(texts, 0.6, lambda pairs: [refuse(int(r), int(o)) for r, o in pairs])
    assert batch == lexical_one_pair_at_a_time(texts, 0.6, refuse)
    assert len(batch) > 10 and len({kept for _, kept, _ in batch}) > 1 and min(s for _, _, s in batch) < 1


def test_candidate_pairs_are_the_pairs_sharing_a_bucket_once_each_later_row_first():
    # band 0: rows 0, 2 and 4 share key 1; band 1: rows 0 and 1 share 7, rows 3 and 4 share 9; rows 0 and 2
    # share nothing else, so their pair is listed once
    keys = np.array([[1, 7], [2, 7], [1, 8], [3, 9], [1, 9]], dtype=np.uint64)
    assert candidate_pairs(keys).tolist() == [[1, 0], [2, 0], [4, 0], [4, 2], [4, 3]]
    assert candidate_pairs(np.array([[5, 6], [7, 8]], dtype=np.uint64)).shape == (0, 2)


def test_vectors_of_the_stage_rows_are_its_own_array_where_every_compared_row_is_a_first():
    vectors = np.arange(8, dtype=np.float32).reshape(4, 2)
    rows = VectorsByText(["a", "b", "a", "c"], vectors)
    assert vectors_of(["a", "b", "a", "c"], rows, [0, 1, 3]) is rows.vectors  # row 2, an exact duplicate, unread
    copied = vectors_of(["a", "b", "a", "c"], rows, [0, 1, 2, 3])
    assert copied.tolist() == [[0, 1], [2, 3], [0, 1], [6, 7]]
    assert vectors_of(["c", "a"], rows, [0, 1]).tolist() == [[6, 7], [0, 1]]


def test_a_new_row_that_repeats_a_rebuilt_published_row_is_dropped_not_the_published_row(tmp_path):
    def rows(ids, texts):
        return pd.DataFrame({col.ID: ids, col.SOURCE: col.SOURCE_SYNTHETIC, col.INSTRUCTION: texts, col.INPUT: ""})

    published = rows(["b", "c"], ["Name three rivers of Europe.", "Write a haiku about rain."])
    index = sync_published(PublishedIndex(tmp_path), {"v1": lambda: published}, text_of, bag_of_words)
    # the rebuild ranks a new row that says what "b" says first: in-build it would drop "b", then itself lose to "b"
    rebuild = rows(["new", "b", "c"], ["name three rivers of europe!", *published[col.INSTRUCTION]])
    kept, quarantined = dedup_rows(rebuild, 0.8, bag_of_words, published=index, text_of=text_of)
    assert kept[col.ID].tolist() == ["b", "c"]
    assert quarantined[[col.ID, col.DUPLICATE_OF]].values.tolist() == [["new", "b"]]


def text_of(frame):
    return frame[col.INSTRUCTION].tolist()
