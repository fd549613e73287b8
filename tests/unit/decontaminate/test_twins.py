from tasks.decontaminate.twins import number_twin
from tasks.similarity.numbers import number_conflict, number_mentions


def test_every_number_in_digits_changes_and_words_stay():
    text = "Maria buys 3 bags of 1,200 beads for $4.50 each, twice a week, on 12/5."
    twin = number_twin(text)
    assert twin == "Maria buys 6 bags of 1203 beads for $7 each, twice a week, on 15/8."
    conflict, matched = number_conflict(number_mentions(text), number_mentions(twin))
    assert conflict > 0 and matched == 1 / 3  # "twice" is still stated alike


def test_a_text_without_digits_has_no_twin():
    assert number_twin("Which policy did the speaker oppose, and why, twice over?") is None
    assert number_twin("Solve for x_2 in F2.") is None
