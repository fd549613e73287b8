import pytest

from tasks.similarity.number_comparison import number_agreement, number_conflict
from tasks.similarity.numbers import canonical_numbers, number_mentions


def agreement(a: str, b: str) -> tuple[float, float]:
    return number_agreement(number_mentions(a), number_mentions(b))


@pytest.mark.parametrize(
    "left, right",
    [
        ("She runs 3 times a week", "She runs thrice a week"),
        ("What will it be 10 years from now?", "What will it be in a decade?"),
        ("Tom has twice as many marbles", "Tom has double the marbles"),
        ("Ann baked 5 pies", "Ann baked five pies"),
        ("50% of the class passed", "half of the class passed"),
        ("25% of 80 students", "a quarter of 80 students"),
        ("3/4 of the cake", "three quarters of the cake"),
        ("one hundred and five pages", "105 pages"),
        ("twenty-five cents", "25 cents"),
        ("It costs $5", "It costs 5 dollars"),
        ("two dozen eggs", "24 eggs"),
        ("half a dozen eggs", "6 eggs"),
        ("two thousand three hundred and twelve", "2,312"),
        ("the sequence 2, 4, 8, 16", "the sequence two, four, eight and sixteen"),
        ("the 3rd floor", "the third floor"),
        ("1,200 people and $2.5 billion", "1200 people and 2,500,000,000 dollars"),
        ("on April 14, 2025", "on 14 April 2025"),
        ("a 12-foot board cut into 18-inch pieces", "a twelve-foot board cut into pieces a foot and a half long"),
        ("It takes 45 minutes", "It takes three quarters of an hour"),
        ("a walk of 30 minutes", "half an hour's walk"),
        ("Done in 2 weeks", "Done in a fortnight"),
        ("He pays $0.90 and sells at $1.50", "He pays ninety cents and sells at a dollar fifty"),
        ("It costs $2.50", "It costs two dollars and fifty cents"),
        ("20% of students bring lunch", "one in five students brings lunch"),
        ("3 out of 4 people", "75% of people"),
        ("2.5 times as much", "two and a half times as much"),
        ("1.5 times as tall", "one and a half times as tall"),
        ("a $20 shirt and a 240-dollar bike", "a twenty-dollar shirt and a two-hundred-forty-dollar bike"),
        ("3/8 of them walk", "three eighths of them walk"),
        ("leaves at 1:30", "leaves at half past one"),
    ],
)
def test_the_same_numbers_written_differently_agree_fully(left, right):
    assert agreement(left, right) == (1.0, 1.0)


def test_other_numbers_agree_partly_both_ways_and_never_veto():
    assert agreement("12 apples among 3 friends", "9 apples among 3 friends") == (0.5, 0.5)
    assert agreement("12 apples among 3 friends", "12 apples") == (0.5, 1.0)
    assert agreement("Write a poem", "Write a haiku") == (1.0, 1.0)


def test_a_quantity_matches_its_unit_system_only():
    assert agreement("He worked 10 hours", "He earned $600") == (0.0, 0.0)  # not 600 minutes
    assert agreement("25 centimeters", "a quarter of a metre") == (1.0, 1.0)
    assert agreement("18 inches", "18 pieces") == (1.0, 1.0)  # the bare value still agrees


def test_canonical_values_are_a_multiset_with_percentages_as_fractions():
    assert canonical_numbers("He paid $5 for 3/4 of 2 dozen eggs, 25% off, 5 times") == [0.25, 0.75, 5.0, 5.0, 24.0]
    assert canonical_numbers("each one gets a share") == []  # a lone "one" is a pronoun


def test_a_day_and_its_month_are_one_date():
    assert agreement("What day of the week is January 14, 2025?", "What day of the week is April 14, 2025?") == (
        0.5,
        0.5,
    )
    # the same two numbers, another date: a changed number, not the same task
    assert conflict("Book a table for July 04, 2025", "Book a table for April 07, 2025") == (0.5, 1 / 3)
    assert conflict("Book a table for July 4, 2025", "Book a table for the 4th of July, 2025") == (0.0, 2 / 3)
    assert agreement("Due 14 April", "Due April 14th") == (1.0, 1.0)


@pytest.mark.parametrize(
    "day_first, month_first",
    [
        ("The meeting is on 4 May.", "The meeting is on May 4."),
        ("The store opens on 12 March 2024.", "The store opens on March 12, 2024."),
    ],
)
def test_may_and_march_after_a_day_still_make_the_date_written_month_first(day_first, month_first):
    assert agreement(day_first, month_first) == (1.0, 1.0)
    assert conflict(day_first, month_first)[0] == 0.0
    # with a year after it the day is a date only: another month is a changed number
    assert conflict("What day of the week is 11 May 2025?", "What day of the week is 11 March 2025?")[0] == 0.5


@pytest.mark.parametrize(
    "text, values",
    [
        ("You may go", []),
        ("in April 2025", [4.0, 2025.0]),  # a month and a year: the month is its number
        ("they march 5 miles", [5.0]),  # a verb, and a unit after the number
        ("answers 1 to 4 may vary", [1.0, 4.0]),
    ],
)
def test_a_month_word_is_a_number_only_in_a_date(text, values):
    assert canonical_numbers(text) == values


def conflict(a: str, b: str) -> tuple[float, float]:
    return number_conflict(number_mentions(a), number_mentions(b))


def test_a_changed_number_conflicts_but_an_added_one_does_not():
    assert conflict("12 apples among 3 friends", "9 apples among 3 friends") == (0.5, 1 / 3)
    assert conflict("How many is 12 times 3?", "How many is 12 times 3? The answer is 36.") == (0.0, 2 / 3)
    assert conflict("Write a poem", "Write a haiku") == (0.0, 0.0)  # no numbers: no evidence either way
    assert conflict("the 2 best friends", "a 2001 agreement") == (0.0, 0.0)  # a year against a count: another role
    assert conflict("lost 14.7 pounds", "lost about 15 pounds") == (0.0, 0.0)  # rounded, not changed
    assert conflict("What day is January 29, 2025?", "What day is January 30, 2025?") == (0.5, 1 / 3)


@pytest.mark.parametrize(
    "left, right",
    [
        ("valued at 38-million euros", "valued at 38 million euros"),
        ("a 1.5 billion-pound writedown", "a 1.5 billion pound writedown"),
        ("1.2 million women", "1,2 million women"),
        ("On Jan. 12, 1996", "On January 12, 1996"),
    ],
)
def test_hyphened_scales_decimal_commas_and_month_abbreviations_read_alike(left, right):
    assert agreement(left, right) == (1.0, 1.0)


def test_an_amount_in_brackets_after_an_amount_is_its_conversion_not_a_changed_number():
    left = "valued at around 38-million euros (about R300-million), with debts of 28-million"
    right = "valued at around 38 million euros ($43.63 million), with debts of some 28 million euros"
    assert conflict(left, right) == (0.0, 2 / 3)
    assert canonical_numbers("a 110 km (68 miles) walk") == [110.0]
    assert canonical_numbers("x^2 + 3 (mod 5)") == [2.0, 3.0, 5.0]  # not an amount: read as it stands


def test_a_number_that_labels_a_part_of_the_text_is_not_a_quantity():
    assert number_mentions("Scenario 1 | I lied to my boss. Scenario 2 | I paid my taxes.") == []
    assert conflict("Statement 1 | A group of order 4 is abelian.", "Statement 2 | A group of order 4 is cyclic.") == (
        0.0,
        1 / 3,
    )
    assert canonical_numbers("Step 2: add 3 cups of flour; see table 4.") == [3.0]
    assert canonical_numbers("a table 4.5 feet long") == [4.5]  # a quantity after the noun is still read
