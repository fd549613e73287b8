"""The proxy on a few inline rows with a bag-of-words encoder: labels that teach promote, flipped labels refuse."""

import pandas as pd
import pytest

from schemas import records as col
from tasks.evaluate.bootstrap import promotes
from tasks.evaluate.proxy import HeldOutSet, run_proxy, share_sample, training_text
from tests.helpers.fake_embed import bag_of_words

WORDS = {"billing": "invoice charge refund fee", "shipping": "parcel courier delivery tracking"}


def rows(source: str, label_of: dict[str, str], copies: int) -> list[dict]:
    return [
        {col.INSTRUCTION: f"{WORDS[topic].split()[i % 4]} problem {i}", col.INPUT: "", col.CATEGORY: label_of[topic],
         col.SOURCE: source}
        for topic in WORDS
        for i in range(copies)
    ]  # fmt: skip


TRUE = {"billing": "billing", "shipping": "shipping"}
FLIPPED = {"billing": "shipping", "shipping": "billing"}
TEST = HeldOutSet(
    [f"t{i}" for i in range(8)],
    [f"{WORDS[t].split()[i]} question" for t in WORDS for i in range(4)],
    [t for t in WORDS for _ in range(4)],
)


def proxy(train: pd.DataFrame) -> dict:
    return run_proxy(
        train, TEST, bag_of_words, text_fields=[col.INSTRUCTION, col.INPUT], label_field=col.CATEGORY,
        metric="accuracy", shares=[0.0, 0.5], samples=200, confidence=0.9, seed=0,
    )  # fmt: skip


def test_synthetic_rows_with_true_labels_keep_the_score_and_flipped_ones_sink_it():
    real = rows("real", TRUE, 4)
    helpful = proxy(pd.DataFrame(real + rows("synthetic", TRUE, 6)))
    harmful = proxy(pd.DataFrame(real + rows("synthetic", FLIPPED, 6)))
    assert helpful["baseline"] == harmful["baseline"] == pytest.approx(1.0)
    assert helpful["blend"] == pytest.approx(1.0) and harmful["blend"] < 0.5
    assert helpful["train_rows"] == {"real_only": 8, "blend": 20}
    assert [p["share"] for p in helpful["sweep"]] == [0.0, 0.5, 0.6] and helpful["sweep"][-1]["is_blend"]


def test_share_sample_keeps_every_real_row_and_the_asked_share():
    train = pd.DataFrame(rows("real", TRUE, 3) + rows("synthetic", TRUE, 10))
    half = share_sample(train, 0.5, seed=0)
    assert (half[col.SOURCE] == "real").sum() == 6 and (half[col.SOURCE] == "synthetic").sum() == 6
    assert len(share_sample(train, 0.0, seed=0)) == 6
    assert training_text(pd.DataFrame({"a": ["x", "y"], "b": ["", "z"]}), ["a", "b"]) == ["x", "y\nz"]


def test_a_version_without_real_training_rows_has_no_baseline():
    with pytest.raises(ValueError, match="no real rows"):
        proxy(pd.DataFrame(rows("synthetic", TRUE, 2)))


def test_the_promotion_rule_reads_the_proxy_comparison():
    from tasks.evaluate.bootstrap import Comparison

    harmful = proxy(pd.DataFrame(rows("real", TRUE, 4) + rows("synthetic", FLIPPED, 6)))
    comparison = Comparison(**{k: harmful[k] for k in ("baseline", "blend", "difference", "confidence", "samples")},
                            ci=tuple(harmful["ci"]))  # fmt: skip
    assert not promotes(comparison, 0.02, "ci_lower_bound")
