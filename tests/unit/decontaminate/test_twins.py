from tasks.decontaminate.twins import number_twin, one_number_twins
from tasks.similarity.number_comparison import number_conflict
from tasks.similarity.numbers import number_mentions


def test_every_number_in_digits_changes_and_words_stay():
    text = "Maria buys 3 bags of 1,200 beads for $4.50 each, twice a week, on 12/5."
    twin = number_twin(text)
    assert twin == "Maria buys 6 bags of 1203 beads for $7 each, twice a week, on 15/8."
    conflict, matched = number_conflict(number_mentions(text), number_mentions(twin))
    assert conflict > 0 and matched == 1 / 3  # "twice" is still stated alike


def test_a_text_without_digits_has_no_twin():
    assert number_twin("Which policy did the speaker oppose, and why, twice over?") is None
    assert number_twin("Solve for x_2 in F2.") is None


def test_one_twin_per_number_read_each_with_that_number_alone_changed():
    text = "Maria buys 3 bags of beads, twice a week, for $4.50 each."
    twins = one_number_twins(text)
    assert twins == [
        "maria buys 6 bags of beads, twice a week, for $4.50 each.",
        "maria buys 3 bags of beads, 5 a week, for $4.50 each.",  # a number written as a word is read too
        "maria buys 3 bags of beads, twice a week, for 7 each.",
    ]
    for twin in twins:
        conflict, matched = number_conflict(number_mentions(text), number_mentions(twin))
        assert conflict > 0 and matched == 2 / 3  # one number changed, the other two stated alike


def test_a_large_amount_changes_by_more_than_a_rounding():
    twin = one_number_twins("A town has 12,000 people.")[0]
    assert twin == "a town has 15000 people."
    assert number_conflict(number_mentions("A town has 12,000 people."), number_mentions(twin))[0] == 1.0


def test_a_text_without_numbers_has_no_one_number_twins():
    assert one_number_twins("Which policy did the speaker oppose, and why?") == []
