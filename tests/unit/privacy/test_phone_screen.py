"""The phone screen: the matcher is skipped only on texts where it could find nothing."""

import random

import phonenumbers
import pytest

from tasks.privacy.pii import fewest_phone_digits, may_hold_phone


def matcher_spans(text: str, regions: tuple[str, ...]) -> set[tuple[int, int]]:
    """Every valid number libphonenumber's matcher finds, screen or no screen."""
    return {
        (m.start, m.end)
        for region in regions
        for m in phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.VALID)
    }


def test_fewest_digits_come_from_the_metadata():
    assert fewest_phone_digits(("US", "GB")) == (6, 5)  # GB numbers have 7+ digits; abroad: 4 + exit + country code
    assert fewest_phone_digits(("NU",)) == (4, 5)  # Niue's numbers have 4


@pytest.mark.parametrize(
    "text, may",
    [
        ("Ana has 2345 apples and buys 1234 more. How many?", False),
        ("It costs $250.50, made in 2024.", False),
        ("call 415 555 2671", True),
        ("+44 20 7946 0958", True),
        ("ext x1234567", True),  # 'x' can join a number's groups
    ],
)
def test_screen(text, may):
    assert may_hold_phone(text) is may


def test_screen_never_hides_a_number_the_matcher_finds():
    rng = random.Random(7)
    pieces = list("0123456789 -().+/x#:,") + ["\uff0b", "\u0662", "\uff11", "\u2013", "\u00a0", "a", "Tel", "X", "_"]
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randint(4, 24))) for _ in range(1500)]
    hidden = [
        (t, regions)
        for regions in (("US", "GB"), ("NU", "AT"))
        for t in texts
        if not may_hold_phone(t, regions) and matcher_spans(t, regions)
    ]
    assert not hidden
    found = sum(bool(matcher_spans(t, regions)) for regions in (("US", "GB"), ("NU", "AT")) for t in texts)
    assert found > 10  # the sample holds numbers, so the check above could fail
