import pandas as pd

from flows.artifacts import gate_rows, report_markdown


def test_the_report_shows_counts_cost_and_contamination_examples():
    result = {
        "version": "v1",
        "path": "/data/ds/v1",
        "data_docs": "data_docs/index.html",
        "counts": {
            "published": {"total": 10, "real": 4, "synthetic": 6},
            "quarantined": {"by_reason": {"near_duplicate": 2}},
        },
        "llm_requests": {"sent": 12, "from_cache": 3},
        "stages": {
            "generate": {
                "stage": "generate",
                "rows_in": 12,
                "quarantined": {},
                "facts": {
                    "llm": {
                        "requests": 12,
                        "retried": 2,
                        "throttled": 1,
                        "spent_usd": 0.0123,
                        "tokens": {"input": 600, "output": 240},
                    }
                },
            },
            "dedup": {"stage": "dedup", "rows_in": 12, "quarantined": {"near_duplicate": 2}, "facts": {}},
        },
    }
    hits = pd.DataFrame({"instruction": ["Maria has 3 apples"], "nearest_eval_id": ["wp:1"], "score": [0.97]})
    text = report_markdown(result, hits)
    assert "Published **10** rows" in text and "12 sent, 3 answered from the request cache" in text
    assert (
        "2 retries (1 throttled)" in text and "cost $0.0123" in text and "| Maria has 3 apples | wp:1 | 0.970 |" in text
    )
    assert gate_rows(result) == [{"stage": "dedup", "reason": "near_duplicate", "rows": 2}]
    unchanged = report_markdown({**result, "unchanged": True}, hits)
    assert "Unchanged: `/data/ds/v1` already holds these **10** rows" in unchanged and "Published" not in unchanged
