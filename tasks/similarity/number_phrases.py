"""Phrases the number reading (tasks/similarity/numbers.py) treats apart: a label's number, which is no quantity, and
"a <noun> and a half", which is 1.5 of the noun."""

from __future__ import annotations

import re
from collections.abc import Collection

from tasks.similarity.units import UNITS

# "Scenario 1", "Statement 2", "Question 3": a number that names a part of the text is a label, not a quantity two
# texts agree or differ on (MMLU's moral-scenario items all state "1" and "2" this way).
_LABEL = re.compile(
    r"\b(scenario|statement|option|choice|part|question|step|chapter|section|figure|table|exercise|appendix|"
    r"article|lemma|theorem|equation|passage|paragraph) \d+\b(?![.,]\d)(?= ?([a-z]*))"
)
# what may follow "a cup and a half" when the half is the cup's: the text ends or a function word comes next
_OWN_HALF_FOLLOWERS = (
    "of and or to for in on at by with from later ago each every per a an the is was are were will would does do did "
    "has have had how what when which if but so than then more less left long old away before after"
)
_AFTER_OWN_HALF = frozenset(_OWN_HALF_FOLLOWERS.split())


def without_labels(text: str) -> str:
    """The (casefolded) text with each label's number left out ("scenario 1" -> "scenario"), unless a unit follows:
    "a table 4 feet long" is a length."""
    return _LABEL.sub(lambda match: match.group(0) if match.group(2) in UNITS else match.group(1), text)


def noun_and_a_half(words: list[str], j: int, number_nouns: Collection[str]) -> bool:
    """Whether words[j:] is "<noun> and a half", the half the noun's: "a cup and a half of food", but not "a 2 and a
    half hour drive", "a cake and a half gallon of milk", "a sandwich and a third of the pizza", or a noun of
    `number_nouns` ("a dozen and a half" is 18)."""
    noun, rest = words[j], words[j + 1 : j + 4]
    return (
        noun.isalpha()
        and noun not in number_nouns
        and rest == ["and", "a", "half"]
        and (j + 4 >= len(words) or words[j + 4] in _AFTER_OWN_HALF)
    )
