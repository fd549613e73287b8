from schemas.spec import RateLimits
from tasks.llm.shared_limits import bucket_sizes, limit_names


def test_requests_are_paced_one_at_a_time_and_tokens_hold_a_minute():
    sizes = bucket_sizes(RateLimits(requests_per_minute=120, input_tokens_per_minute=40_000, account="team"))
    assert sizes == {"requests": (1, 2.0), "input_tokens": (40_000, 40_000 / 60)}


def test_limits_are_named_after_the_account():
    assert limit_names("team") == {
        "requests": "llm-team-requests",
        "input_tokens": "llm-team-input-tokens",
        "output_tokens": "llm-team-output-tokens",
    }
