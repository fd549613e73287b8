"""The phone screens: the matcher is skipped only on texts where it could find nothing (may_hold_phone), or where
nothing it found could be kept as a phone (may_find_phone)."""

import random

import phonenumbers
import pytest

from tasks.privacy.pii import fewest_phone_digits, may_find_phone, may_hold_phone, unscreened_phones


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


@pytest.mark.parametrize(
    "text, may",
    [
        ("Leila shares 2011608 stickers equally among 556 friends.", False),  # one group, no phone word
        ("What day of the week is August 15, 1963?", False),  # a comma ends the matcher's run
        ("What is 48213 + 9921?", False),  # '+' only ever opens a number
        ("5778888 / 1444 = 4002", True),  # two groups: the matcher decides
        ("Order 4155552671 ext. 12 shipped", True),  # an extension is a second group
        ("Order 4155552671;ext=3 shipped", True),
        ("Reach me at +14155552671", True),
        ("call 4155552671", True),
        ("recall 4155552671", True),  # a phone word found loosely: find_phones' window may cut 're'
    ],
)
def test_finding_screen(text, may):
    assert may_find_phone(text) is may


def test_finding_screen_never_hides_a_phone_find_phones_keeps():
    rng = random.Random(11)
    numbers = []
    for region in ("US", "GB", "DE", "IN", "FR", "NU", "AT", "BR", "JP"):
        example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
        national = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.NATIONAL)
        numbers += ["".join(c for c in national if c.isdigit()), national]
    endings = [
        "",
        " ext. 12",
        ";ext=3",
        " x 45",
        "#12",
        " , , ext: 9",
        " ~ 7",
        " int 4",
        "- 503#",
        " \u0434\u043e\u0431 4",
    ]
    contexts = [
        "{}",
        "Order {} shipped.",
        "({})",
        "Item {}, 99",
        "I have {} apples\nand 4",
        "{} / 17",
        "a{}b",
        "Tel {}",
    ]
    regions_of = [("US", "GB"), ("DE",), ("NU", "AT"), ("IN",), ("FR", "BR")]
    texts = [
        (rng.choice(contexts).format(rng.choice(numbers) + rng.choice(endings)), rng.choice(regions_of))
        for _ in range(1500)
    ]
    kept = [(t, regions) for t, regions in texts if unscreened_phones(t, regions)]
    assert [(t, regions) for t, regions in kept if not may_find_phone(t, regions)] == []
    assert len(kept) > 100  # the sample holds phones, so the check above could fail
    assert sum(not may_find_phone(t, regions) for t, regions in texts) > 20  # and the screen skips some
