"""Number forms a rephrasing uses that word_problems2 showed misread (bench/results/word_problems2_first_run.md)."""

import pytest

from tasks.similarity.number_comparison import number_agreement, number_conflict
from tasks.similarity.numbers import number_mentions


def agreement(a: str, b: str) -> tuple[float, float]:
    return number_agreement(number_mentions(a), number_mentions(b))


def changed(a: str, b: str) -> float:
    return number_conflict(number_mentions(a), number_mentions(b))[0]


@pytest.mark.parametrize(
    "left, right",
    [
        # a compound quantity of one system is one quantity, however its parts are written
        ("He spends 1 hour and 15 minutes on it", "He spends an hour and a quarter on it"),
        ("The trip takes 1 hour 25 minutes", "The ride takes an hour and twenty-five minutes"),
        ("a board 2 feet 3 inches long", "a board 27 inches long"),
        ("The first rope is 2 ft 8 in long", "The first rope is 2 feet 8 inches long"),  # word_problems3
        ("a 5 ft 3 in shelf", "a 63 inch shelf"),
        # a mixed number is one value; so is "a cup and a half"
        ("It needs 2 1/4 cups of flour", "It needs two and a quarter cups of flour"),
        ("He walks 3 1/2 miles", "He walks 3.5 miles"),
        ("Her dog eats a cup and a half of food", "Her dog eats 1 1/2 cups of food"),
        ("a 1 meter and 20 centimeters rope", "a 1.2 meter rope"),
        ("weighs 2 pounds 4 ounces", "weighs 36 ounces"),
        ("It lasts 2 hours and 35 minutes", "It lasts 155 minutes"),
        ("after 1 year and 6 months", "after 18 months"),
        # the calendar is linked to time: a year is 365 days or 52 weeks, a month 30 days
        ("How much will he have saved after 1 year?", "How much will he have put away after 52 weeks?"),
        ("Over 365 days", "Over a year"),
        ("a plan for 24 months", "a plan for 2 years"),
        ("for 2 years", "for 730 days"),
        ("for 30 days", "for a month"),
        # spoken clock times
        ("The bus leaves at 7:50 a.m.", "The bus departs at ten to eight in the morning"),
        ("starts at 8:45", "starts at quarter to nine"),
        ("ends at 6:20", "ends at twenty past six"),
        # the cent sign
        ("cookies for $0.85 each", "cookies are 85¢ apiece"),
        # a fraction with any ordinal denominator, derived from the ordinals
        ("It sells 4/9 of the books", "It sells four-ninths of the books"),
        ("3/7 of them are boys", "three-sevenths of them are boys"),
        ("5/12 of the class", "five-twelfths of the class"),
        ("2/5 of her money", "two fifths of her money"),
        ("3/4 of the cake", "three fourths of the cake"),
        ("1/7 of it", "a seventh of it"),
        # idioms
        ("She gets time and a half for overtime", "She gets one and a half times her rate for overtime"),
        ("He sells a score of ducks", "He sells 20 ducks"),
        ("a charge of $0.10 per text", "a charge of a dime per text"),
        ("7 dimes", "70 cents"),
        ("She runs every other day", "She runs every 2 days"),
    ],
)
def test_the_same_quantity_written_another_way_agrees(left, right):
    assert agreement(left, right) == (1.0, 1.0)
    assert changed(left, right) == 0.0


@pytest.mark.parametrize(
    "left, right",
    [
        ("after 52 weeks", "after 5 years"),  # weeks and years are linked by value, not merely by system
        ("after 1 year", "after 50 weeks"),
        ("for a month", "for 4 weeks"),  # a month is 30 days, not 28
        ("1 hour and 15 minutes", "1 hour and 20 minutes"),  # one compound, another value
        ("2 feet 3 inches", "23 inches"),
        ("leaves at 7:50", "leaves at ten past six"),
        ("a quarter of the pie", "25 cents of the pie"),  # "a quarter" is a fraction, not a coin
        ("4/9 of the books", "four-sevenths of the books"),
        ("gets time and a half", "gets twice the rate"),
    ],
)
def test_near_misses_are_still_other_numbers(left, right):
    assert agreement(left, right) == (0.0, 0.0)
    assert changed(left, right) == 1.0


@pytest.mark.parametrize(
    "text, values",
    [
        ("counts from five to eight dollars", [{5.0}, {8.0, ("money", 800.0)}]),  # a range, not 7:55
        ("from ten to eight", [{10.0}, {8.0}]),
        ("each plays every other player", []),  # "every other" is 2 only before a unit of time
        ("a score of 85 on the test", [{85.0}]),  # a test score, not 20
        ("she earns $14 an hour", [{14.0, ("money", 1400.0)}]),  # "an hour" after an amount is a rate
        ("3 fifth graders", [{3.0}, {5.0, 0.2}]),
        ("closed for a second day", []),  # an ordinal, not one second  # a singular ordinal after a count is a grade
        ("twenty past six friends", [{20.0}, {6.0}]),  # not a clock time before a plural noun
    ],
)
def test_lookalikes_keep_their_plain_reading(text, values):
    assert [set(m) for m in number_mentions(text)] == values


def test_a_compound_is_one_mention_and_a_duration_a_or_an_is_one_unit():
    assert len(number_mentions("Dev spends 1 hour and 15 minutes each night and 2 hours on Sunday")) == 2
    assert number_mentions("an hour and twenty-five minutes") == number_mentions("1 hour 25 minutes")
    assert number_mentions("a dime") == [frozenset({1.0, ("money", 10.0)})]
    assert number_mentions("works 6 hours a day") == [frozenset({6.0, ("time", 21600.0)})]


@pytest.mark.parametrize(
    "text, values",
    [
        ("the class shrank from twenty-five to ten", [{25.0}, {10.0}]),  # a range, not 9:35
        ("the share grew from a quarter to one half", [{0.25}, {0.5}]),  # not 0:45 and a half
        ("she needs a score of at least 70", [{70.0}]),  # a test score, not 20
        ("he got a score of over 90", [{90.0}]),
        ("a score of between 70 and 80", [{70.0}, {80.0}]),
    ],
)
def test_a_range_or_a_bound_is_not_an_idiom(text, values):
    assert [set(m) for m in number_mentions(text)] == values


def test_in_is_an_inch_only_after_feet():
    assert changed("3 in 5 people agree", "3 in 5 people agree") == 0.0
    assert readings("3 in 5 people") == [["0.6", "3.0"]]
    assert readings("12 3/2 apples") == [["12.0"], ["1.5"]]  # an improper fraction: two numbers


def readings(text: str) -> list[list[str]]:
    return [sorted(map(str, mention)) for mention in number_mentions(text)]


@pytest.mark.parametrize(
    "text, read_as",
    [
        ("It is a 2 and a half hour drive.", "It is a 2.5 hour drive."),  # a digit: not "a <noun> and a half"
        ("He bought a cake and a half gallon of milk", "He bought a cake and 0.5 gallon of milk"),  # the gallon's half
        ("Tom ate a sandwich and a third of the pizza", "Tom ate a sandwich and one third of the pizza"),
        ("a table 4 feet long", "a 4 feet long table"),  # a label noun before a length: a quantity
        ("He ran 6 miles, 3 in the morning and 3 in the evening", "He ran 6 miles: 3 and 3"),  # no inch after miles
    ],
)
def test_what_looks_like_a_compound_but_is_not_reads_as_before(text, read_as):
    assert readings(text) == readings(read_as)


def test_a_year_before_a_fraction_is_not_a_mixed_number():
    assert readings("In 2019 1/3 of the students passed") == [["2019.0"], ["0.333333"]]
