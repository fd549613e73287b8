import pytest

from tasks.similarity.numbers_alike_text import numbers_written_alike


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("He runs thrice a week.", "He runs 3 a week."),
        ("A twenty-dollar shirt is half off.", "A $20 shirt is 50% off."),
        ("She bought half a dozen eggs.", "She bought 6 eggs."),
        ("They met on 4 July.", "They met on July 4."),
        ("Five pies cost 10 dollars.", "5 pies cost $10."),
    ],
)
def test_a_number_written_two_ways_reads_the_same(one, other):
    assert numbers_written_alike(one) == numbers_written_alike(other)


def test_other_numbers_stay_other():
    assert numbers_written_alike("Maria has 3 apples.") != numbers_written_alike("Maria has 4 apples.")
    assert numbers_written_alike("They met on July 4.") != numbers_written_alike("They met on April 7.")


def test_words_around_the_numbers_are_kept_in_order():
    assert numbers_written_alike("Maria has three apples and buys two more.") == "maria has 3 apples and buys 2 more."
    assert numbers_written_alike("No numbers here, see?") == "no numbers here, see?"  # punctuation kept
    assert numbers_written_alike("") == ""


def test_a_label_is_not_a_number():
    first, second = "Scenario 1 | I took the money.", "Scenario 2 | I took the money."
    assert numbers_written_alike(first) == numbers_written_alike(second)
