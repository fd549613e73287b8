import numpy as np

import tasks.dedup.block_memory as block_memory
import tasks.dedup.plan as plan
from tasks.dedup.block_memory import PROFILES_READ
from tasks.dedup.duplicates import find_duplicates, resolve_duplicates
from tasks.dedup.plan import (
    PLAN_FILES,
    DuplicatePlan,
    plan_digest,
    plan_pairs,
    score_block,
    search_rows,
    start_plan,
)
from tasks.similarity.pair_features import EMBEDDING_FEATURES, FEATURES, NUMBER_CONFLICT, pair_matrix, profile
from tasks.similarity.pair_scorer import load_scorer
from tests.helpers.fake_embed import bag_of_words

TEXTS = [
    "Maria has 3 apples and buys 4 more apples today",
    "Maria has 3 apples and then buys 4 more apples today",
    "Maria has 7 apples and then buys 9 more apples today",
    "maria has 3 apples and buys 4 more apples today!",
    "Tom runs 10 miles in 2 hours, half past one",
    "Tom runs ten miles in two hours, half past one",
    "Write a poem about the sea",
    "Write a short poem about the sea",
    "Sort the list of 12 numbers",
    "Sort this list of twelve numbers",
]


def decided(found):
    return [(d.position, d.duplicate_of, d.reason, round(d.score, 9)) for d in found]


def test_the_verdicts_do_not_depend_on_how_the_rows_and_pairs_are_split(monkeypatch, tmp_path):
    texts = TEXTS * 3 + [f"{t} again" for t in TEXTS]
    whole = decided(find_duplicates(texts, 0.6, bag_of_words, references=2, minhash_threshold=0.5))
    assert {reason for _, _, reason, _ in whole} == {"exact_duplicate", "near_duplicate", "lexical_near_duplicate"}
    scorer = load_scorer()
    monkeypatch.setattr(plan, "ROW_BLOCK", 4)
    vectors = bag_of_words(texts)
    row_blocks = start_plan(tmp_path, texts, vectors, 2, 0.6, 0.5)
    assert len(row_blocks) > 1
    searched = [search_rows(tmp_path, block, scorer) for block in reversed(row_blocks)][::-1]  # any order, any worker
    blocks = plan_pairs(tmp_path, searched, scorer, pair_block=3)
    assert len(blocks) > 1
    PROFILES_READ.forget()
    scores = [score_block(tmp_path, block, scorer) for block in blocks]
    assert decided(resolve_duplicates(DuplicatePlan.load(tmp_path), np.concatenate(scores))) == whole


def test_a_process_reads_each_profile_once_keeps_at_most_its_memo_and_reads_what_was_written(monkeypatch, tmp_path):
    texts = TEXTS
    scorer = load_scorer()
    searched = [
        search_rows(tmp_path, b, scorer) for b in start_plan(tmp_path, texts, bag_of_words(texts), 0, 0.6, None)
    ]
    plan_pairs(tmp_path, searched, scorer, pair_block=100)
    PROFILES_READ.forget()
    reads = []
    real_read = block_memory.read_arrow
    monkeypatch.setattr(
        block_memory,
        "read_arrow",
        lambda path, name, rows=None: reads.append(list(rows)) or real_read(path, name, rows),
    )
    rows = np.array([0, 1, 4, 6])
    first = PROFILES_READ.of(tmp_path, rows)
    again = PROFILES_READ.of(tmp_path, np.array([1, 4, 8]))
    assert len(reads) == 2 and len(reads[1]) == 1  # 8 only
    fresh = plan.profile_for(scorer.features)
    assert first == {r: fresh(texts[r]) for r in rows.tolist()} and again[8] == fresh(texts[8])
    monkeypatch.setattr(block_memory, "MEMO_ROWS", 2)
    PROFILES_READ.of(tmp_path, np.array([2, 3, 5]))
    assert len(PROFILES_READ.kept) == 2
    PROFILES_READ.forget()


def test_the_numbers_only_pair_matrix_is_the_full_one_on_the_columns_it_fills():
    profiles = {i: profile(t) for i, t in enumerate(TEXTS)}
    pairs = np.array([(1, 0), (2, 0), (3, 2), (5, 4), (7, 6), (9, 8), (6, 0)])
    embedding = np.random.default_rng(0).random((len(pairs), 3))
    fast = pair_matrix(profiles, profiles, pairs, embedding, {}, load_scorer().features)
    full = pair_matrix(profiles, profiles, pairs, embedding, {}, None)
    columns = [FEATURES.index(name) for name in EMBEDDING_FEATURES + NUMBER_CONFLICT]
    assert np.array_equal(fast[:, columns], full[:, columns])
    assert all(fast[:, FEATURES.index(name)].any() for name in NUMBER_CONFLICT)  # 3 and 4 against 7 and 9
    assert not np.delete(fast, columns, axis=1).any()


def test_nothing_to_search_or_score_decides_without_blocks():
    assert find_duplicates([], 0.6, bag_of_words) == []
    same = ["Sort the list", "sort the list!", "SORT THE LIST"]
    assert decided(find_duplicates(same, 0.6, bag_of_words, minhash_threshold=0.5)) == [
        (1, 0, "exact_duplicate", 1.0),
        (2, 0, "exact_duplicate", 1.0),
    ]
    assert find_duplicates(["one text only"], 0.6, bag_of_words) == []


def test_a_folder_planned_again_keeps_the_pair_steps_files_and_other_rows_change_its_digest(tmp_path):
    """A resumed build that runs the plan step again finds the later steps cached under the plan's digest: the same
    rows must leave their files readable, other rows (as many, the same exact duplicates) must change the digest."""
    scorer = load_scorer()

    def planned(texts):
        blocks = start_plan(tmp_path, texts, bag_of_words(texts), 0, 0.6, 0.5)
        return blocks, plan_digest(tmp_path, PLAN_FILES)

    blocks, digest = planned(TEXTS)
    live = plan_pairs(tmp_path, [search_rows(tmp_path, b, scorer) for b in blocks], scorer, pair_block=100)
    PROFILES_READ.forget()
    scores = np.concatenate([score_block(tmp_path, block, scorer) for block in live])
    whole = decided(resolve_duplicates(DuplicatePlan.load(tmp_path), scores))
    assert whole and planned(TEXTS)[1] == digest
    assert decided(resolve_duplicates(DuplicatePlan.load(tmp_path), scores)) == whole
    assert planned([text.replace("the", "a") for text in TEXTS])[1] != digest
    PROFILES_READ.forget()


def test_a_process_never_reads_the_profiles_it_kept_for_a_folder_planned_again_for_other_rows(tmp_path):
    scorer = load_scorer()

    def scored(texts):
        blocks = start_plan(tmp_path, texts, bag_of_words(texts), 0, 0.0, None)
        live = plan_pairs(tmp_path, [search_rows(tmp_path, b, scorer) for b in blocks], scorer, pair_block=100)
        return np.concatenate([score_block(tmp_path, block, scorer) for block in live])

    PROFILES_READ.forget()
    scored(TEXTS)
    shifted = str.maketrans("0123456789", "5678901234")
    other = [text.translate(shifted) if i % 2 else text for i, text in enumerate(TEXTS)]
    again = scored(other)  # the memo still holds TEXTS' profiles, under the same folder
    PROFILES_READ.forget()
    assert np.array_equal(again, scored(other))
    PROFILES_READ.forget()


def test_a_process_loads_a_plans_index_once_for_all_its_search_blocks_and_again_for_a_new_plan(monkeypatch, tmp_path):
    loads = []
    real_load = block_memory.load_index
    monkeypatch.setattr(block_memory, "load_index", lambda path: loads.append(path) or real_load(path))
    monkeypatch.setattr(plan, "ROW_BLOCK", 3)
    scorer = load_scorer()
    block_memory.forget_profiles()
    blocks = start_plan(tmp_path, TEXTS, bag_of_words(TEXTS), 0, 0.6, None)
    first = [search_rows(tmp_path, block, scorer) for block in blocks]
    assert len(blocks) > 2 and len(loads) == 1
    blocks = start_plan(tmp_path, TEXTS[::-1], bag_of_words(TEXTS[::-1]), 0, 0.6, None)  # the folder planned again
    again = [search_rows(tmp_path, block, scorer) for block in blocks]
    assert len(loads) == 2 and first == again  # the same folders, rewritten from the new index
    plan_pairs(tmp_path, again, scorer, pair_block=100)
    assert block_memory.INDEX_READ.index is None
