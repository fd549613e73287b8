"""Words that stand for a number on their own or scale the number before them, for tasks/similarity/numbers.py."""

from __future__ import annotations

import re

# Words that stand for a number on their own; ambiguous readings carry every value ("third": 3rd or 1/3).
LONE = {
    "thrice": {3.0},
    "twice": {2.0},
    "double": {2.0},
    "doubled": {2.0},
    "doubles": {2.0},
    "triple": {3.0},
    "tripled": {3.0},
    "triples": {3.0},
    "treble": {3.0},
    "quadruple": {4.0},
    "quadrupled": {4.0},
    "half": {0.5},
    "halved": {0.5},
    "halves": {0.5},
    "quarter": {0.25},
    "quarters": {0.25},
    "dozen": {12.0},
    "dozens": {12.0},
    "decade": {10.0},
    "decades": {10.0},
    "century": {100.0},
    "centuries": {100.0},
    "fortnight": {14.0},
    "pair": {2.0},
    "couple": {2.0},
    "percent": set(),
}
# Nouns a counted number scales ("three quarters" = 0.75, "two dozen" = 24, "two decades" = 20).
COUNTED = {
    "quarter": 0.25,
    "quarters": 0.25,
    "third": 1 / 3,
    "half": 0.5,
    "halves": 0.5,
    "dozen": 12,
    "dozens": 12,
    "decade": 10,
    "decades": 10,
    "century": 100,
    "centuries": 100,
    "pair": 2,
    "pairs": 2,
}

# Ordinals from "third" on are also fractions ("a ninth", "four-ninths", "five twelfths"), derived from the
# cardinals rather than listed; "second" is left out (a unit of time, and "two seconds" is not 2/2).
_CARDINAL_WORDS = (
    "three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen "
    "nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred thousand"
)
_CARDINALS = _CARDINAL_WORDS.split()
_CARDINAL_VALUES = [*range(3, 21), *range(30, 100, 10), 100, 1000]
_IRREGULAR = {"three": "third", "five": "fifth", "eight": "eighth", "nine": "ninth", "twelve": "twelfth"}


def _ordinal(cardinal: str) -> str:
    """The ordinal word of a cardinal word ("nine" -> "ninth", "twenty" -> "twentieth")."""
    if cardinal in _IRREGULAR:
        return _IRREGULAR[cardinal]
    return cardinal[:-1] + "ieth" if cardinal.endswith("y") else cardinal + "th"


for _cardinal, _value in zip(_CARDINALS, _CARDINAL_VALUES, strict=True):
    LONE[_ordinal(_cardinal)] = {float(_value), 1 / _value}  # "the ninth day" or "a ninth of it"
    LONE[_ordinal(_cardinal) + "s"] = {1 / _value}
    COUNTED[_ordinal(_cardinal) + "s"] = (
        1 / _value
    )  # "four ninths"; a singular after a count is a grade ("3 fifth graders")

_NUMBER_WORD = (
    r"zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|"
    r"seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|a hundred"
)
# words that bound a number after "a score of" ("a score of at least 70" is a test score)
_BOUND = (
    r"at|over|under|above|below|more|less|about|around|nearly|almost|exactly|only|just|roughly|approximately|between|up"
)
# Idioms that state a number without a number word, rewritten to one (one pass over the text):
# "85¢" is 85 cents; "time and a half" is 1.5 times; "every other day" is every 2 days (only before a unit of
# time: "every other player" is not 2); "a score of ducks" is 20 ducks ("a score of 85" is a test score).
_IDIOMS = re.compile(
    r"(\d)\s?¢|\btime and a half\b|\bevery other (second|minute|hour|day|week|month|year)\b"
    rf"|\ba score of (?![\d$£€]|(?:{_NUMBER_WORD}|{_BOUND})\b)"
)


def _idiom(match: re.Match) -> str:
    digit, unit = match.group(1), match.group(2)
    if digit:
        return f"{digit} cents"
    if unit:
        return f"every 2 {unit}s"
    return "1.5 times" if match.group(0).startswith("time") else "20 "


def rewrite_idioms(text: str) -> str:
    """The (casefolded) text with number idioms written as numbers: "85¢" -> "85 cents", "time and a half" ->
    "1.5 times", "every other day" -> "every 2 days", "a score of" (not before a number) -> "20"."""
    if "¢" in text or "time and a" in text or "every other" in text or "score of" in text:  # most texts: skip
        return _IDIOMS.sub(_idiom, text)
    return text
