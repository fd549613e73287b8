"""Numbers as values, however a text writes them (tasks/similarity/number_comparison.py compares two texts'
numbers).

A rephrasing writes numbers differently: "3 times" becomes "thrice", "10 years" becomes "a decade", "5 pies"
becomes "five pies", "50%" becomes "half". Each mention is read as the set of values it may stand for
(digits with separators, number words and compounds, multiplicatives, ordinals, fractions, percentages,
currency, scale words), so two mentions agree when their readings meet. Agreement is a share, never a veto:
the pair scorer (tasks/similarity/pair_scorer.py) weighs it with every other signal.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from tasks.similarity.dates import MONTHS, date_at, is_year
from tasks.similarity.number_phrases import noun_and_a_half, without_labels
from tasks.similarity.number_words import COUNTED as _COUNTED
from tasks.similarity.number_words import LONE as _LONE
from tasks.similarity.number_words import rewrite_idioms
from tasks.similarity.units import (
    LONE_UNITS,
    and_a_fraction,
    clock_times,
    compound_rest,
    converted,
    one_unit,
    one_unit_and_a_fraction,
    unit_after,
)

Mention = frozenset  # the values one mention may stand for

_UNIT_WORDS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen"
)
_UNITS = {w: i for i, w in enumerate(_UNIT_WORDS.split())}
_TEN_WORDS = "twenty thirty forty fifty sixty seventy eighty ninety"
_TENS = {w: 10 * (i + 2) for i, w in enumerate(_TEN_WORDS.split())}
_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000, "trillion": 10**12}
# "38-million euros", "a 1.5 billion-pound writedown": the scale word is its own word.
_HYPHENED_SCALE = re.compile(r"(?<=\d)-(?=(?:hundred|thousand|million|billion|trillion)\b)|(?<=illion)-(?=[a-z])")
_DECIMAL_COMMA = re.compile(r"(?<![\d,.])(\d{1,3}),(\d{1,2})(?![\d,])")  # "1,2 million" written the European way
_WORD_HYPHEN = re.compile(r"(?<=[a-z])-(?=[a-z])")  # "twenty-dollar", "forty-two-page": the number is its own word
# "38 million euros ($43.63 million)", "110 km (68 miles)": an amount in brackets right after an amount restates
# it in another unit or currency (news style), so it is read as part of that mention, not as a number of its own
# that a text without the conversion would have changed.
_CONVERSION = re.compile(
    r"((?:\d|hundred|thousand|million|billion|trillion)[%a-z]*(?:[ -][a-z]+){0,2}) \("
    r"(?:about |around |roughly |approximately |nearly |some )?(?:[a-z]{0,2}\$|[£€¥]|rs?)? ?\d[\d,.]*%?"
    r"(?:[ -]?(?:hundred|thousand|million|billion|trillion|bn|m)\b)?(?: [a-z]+)?\)"
)
_ORDINAL_DIGITS = re.compile(r"^(\d+)(?:st|nd|rd|th)$")
_PROPER_FRACTION = re.compile(r"^(\d+)/(\d+)$")
_TOKEN = re.compile(r"[$£€]?\d+(?:,\d{3})*(?:\.\d+)?(?:/\d+)?%?|[a-z]+(?:-[a-z]+)*|%")
_DIGITS = re.compile(r"^[$£€]?(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?:/(\d+))?(%?)$")


def _round(value: float) -> float:
    return float(f"{value:.6g}")


def _digits(token: str) -> tuple[float, bool] | None:
    """(value, is a percentage) of a digit token, or None."""
    match = _DIGITS.match(token)
    if not match:
        return None
    whole, decimals, denominator, percent = match.groups()
    value = float(whole.replace(",", "") + (decimals or ""))
    if denominator:
        value = value / float(denominator) if float(denominator) else value
    return value, bool(percent)


def _word_number(words: list[str], start: int) -> tuple[float, int] | None:
    """(value, words used) of a run of number words at `start` ("one hundred and five", "twenty-five"); a unit
    after a unit starts another number ("two, four, eight" is three numbers)."""
    total = current = 0.0
    last = ""  # what the previous word was: unit, tens, scale or and
    i = start
    while i < len(words):
        parts = words[i].split("-")
        if len(parts) == 2 and parts[0] in _TENS and parts[1] in _UNITS and last in ("", "scale", "and"):
            current, last = current + _TENS[parts[0]] + _UNITS[parts[1]], "unit"
        elif words[i] in _TENS and last in ("", "scale", "and"):
            current, last = current + _TENS[words[i]], "tens"
        elif words[i] in _UNITS and (last in ("", "scale", "and") or last == "tens" and _UNITS[words[i]] < 10):
            current, last = current + _UNITS[words[i]], "unit"
        elif words[i] in _SCALES and last in ("unit", "tens"):
            if _SCALES[words[i]] == 100:
                current *= 100
            else:
                total, current = total + current * _SCALES[words[i]], 0.0
            last = "scale"
        elif (
            words[i] == "and"
            and last == "scale"
            and i + 1 < len(words)
            and words[i + 1].split("-")[0] in {**_UNITS, **_TENS}
        ):
            last = "and"
        else:
            break
        i += 1
    return (total + current, i - start) if last else None


def _value_at(words: list[str], i: int) -> tuple[float, int, bool] | None:
    """(value, words used, is a percentage) of a number written at words[i], before any unit; None if none."""
    word, nxt = words[i], words[i + 1] if i + 1 < len(words) else ""
    if (parsed := _digits(word)) is not None:
        return parsed[0], 1, parsed[1]
    if (ordinal := _ORDINAL_DIGITS.match(word)) is not None:
        return float(ordinal.group(1)), 1, False
    if word in ("a", "an") and nxt in _SCALES:
        return float(_SCALES[nxt]), 2, False
    if word == "a" and nxt == "dollar":
        return 1.0, 1, False
    if word in _SCALES:  # a scale word on its own: "hundred-gram packs"
        return float(_SCALES[word]), 1, False
    if word == "half" and nxt in ("a", "an") and i + 2 < len(words) and words[i + 2] in {**_COUNTED, **_SCALES}:
        return 0.5 * {**_COUNTED, **_SCALES}[words[i + 2]], 3, False  # "half a dozen" is 6
    run = _word_number(words, i)
    # a lone "one" is mostly a pronoun ("each one gets"), unless a fraction or a ratio follows
    if run is not None and (word != "one" or run[1] > 1 or nxt in ("and", "in", "out")):
        return run[0], run[1], False
    if word in MONTHS and is_year([nxt]):
        return MONTHS[word], 1, False  # a month and a year ("April 2025"): the month is its number
    return None


def _mention_at(words: list[str], i: int) -> tuple[set, int] | None:
    """(readings, words used) of the number at words[i] with what qualifies it: a date ("July 4"), "and a half",
    a counted noun ("three quarters"), a percentage, a ratio ("one in five"), a unit ("18 inches"); None if no
    number."""
    if (date := date_at(words, i)) is not None:
        return date
    if (whole := one_unit_and_a_fraction(words, i)) is not None:
        return whole
    if words[i] in ("a", "an") and words[i + 1 : i + 4] and noun_and_a_half(words, i + 1, _NUMBER_NOUNS):
        return {1.5}, 5  # "a cup and a half": 1.5 of a thing that is no unit here
    if (one := one_unit(words, i, _value_at)) is not None:
        return one
    if words[i] == "half" and words[i + 1 : i + 2] == ["past"] and (hour := _word_number(words, i + 2)):
        return {hour[0] + 0.5}, 2 + hour[1]  # "half past one" is 1:30
    found = _value_at(words, i)
    if found is None:
        lone = LONE_UNITS.get(words[i])
        if lone is not None:
            return converted({lone[0]}, lone[1]), 1
        if words[i] in _LONE and _LONE[words[i]]:
            lone_readings, lone_used = unit_after({_round(v) for v in _LONE[words[i]]}, words, i + 1)
            return lone_readings, 1 + lone_used
        return None
    value, used, percent = found
    fraction, more = and_a_fraction(words, i + used)  # "two and a half"
    whole_part = i + 1 < len(words) and words[i].isdigit() and int(words[i]) < 1000 and not more  # not "2019 1/3"
    part = _PROPER_FRACTION.match(words[i + 1]) if whole_part else None
    if part and 0 < int(part[1]) < int(part[2]):  # a mixed number: "2 1/4 cups"
        fraction, more = int(part[1]) / int(part[2]), 1
    value, used = value + fraction, used + more
    after = words[i + used] if i + used < len(words) else ""
    if after in _SCALES and _digits(words[i]) is not None:  # "2.5 billion"
        value, used = value * _SCALES[after], used + 1
    elif after in ("pair", "pairs"):  # "2 pairs of jeans" are 2 things or 4
        return {_round(value), _round(value * 2)}, used + 1
    elif after in _COUNTED:  # "three quarters", "two dozen"
        value, used = value * _COUNTED[after], used + 1
    elif after in ("percent", "%") or (after == "per" and words[i + used + 1 : i + used + 2] == ["cent"]):
        percent, used = True, used + (2 if after == "per" else 1)
    elif after in ("in", "out"):  # "one in five", "3 out of every 4": a share
        j = i + used + 1 + (after == "out" and words[i + used + 1 : i + used + 2] == ["of"])
        j += j < len(words) and words[j] == "every"
        share = _value_at(words, j) if j < len(words) else None
        if share is not None and share[0] > value and not share[2]:
            return {_round(value), _round(value / share[0])}, j + share[1] - i
    if words[i + used : i + used + 1] in (["dollar"], ["dollars"]):  # "a dollar fifty", "2 dollars and 40 cents"
        j = i + used + 1 + (words[i + used + 1 : i + used + 2] == ["and"])
        cents = _word_number(words, j) if j < len(words) else None
        if cents is not None and 10 <= cents[0] < 100:
            value += cents[0] / 100
            used = j + cents[1] - i + (words[j + cents[1] : j + cents[1] + 1] == ["cents"])
            return converted({_round(value)}, "dollar"), used
    readings: set = {_round(v) for v in ({value, value / 100} if percent else {value})}
    if words[i][0] == "$":
        return converted(readings, "dollar"), used
    readings, unit_used = unit_after(readings, words, i + used)
    if unit_used and not percent:  # "1 hour and 15 minutes" is one quantity, 1.25 hours
        unit = words[i + used + unit_used - 1]
        rest, more = compound_rest(words, i + used + unit_used, unit, _value_at)
        if more:
            return converted({value + rest}, unit), used + unit_used + more
    return readings, used + unit_used


# words that count or scale ("a dozen and a half" is 18): "a <word> and a half" is 1.5 only for other nouns
_NUMBER_NOUNS = frozenset(_COUNTED) | set(_SCALES) | set(_LONE) | set(_UNITS) | set(_TENS) | {"score", "scores"}


# the words a number may start with: any other word is skipped at once (most words of a text)
_STARTS = frozenset(_UNITS) | set(_TENS) | set(_SCALES) | set(_LONE) | set(LONE_UNITS) | set(MONTHS) | {"a", "an"}
_DIGIT_STARTS = frozenset("$£€0123456789")


def number_text(text: str) -> str:
    """The text a text's numbers are read from: folded, labels dropped, idioms and clock times rewritten."""
    text = _CONVERSION.sub(r"\1", clock_times(rewrite_idioms(without_labels((text or "").casefold()))))
    text = _DECIMAL_COMMA.sub(r"\1.\2", _HYPHENED_SCALE.sub(" ", text))
    return _WORD_HYPHEN.sub(" ", text)


def token_spans(text: str) -> list[re.Match]:
    """The words of number_text's text, each with where it stands."""
    return list(_TOKEN.finditer(text))


def number_tokens(text: str) -> list[str]:
    """The words a text's numbers are read from (number_text's, in order)."""
    return _TOKEN.findall(number_text(text))


def mentions_at(words: list[str]) -> Iterator[tuple[int, int, Mention]]:
    """(first word, words used, readings) of each number in number_tokens' words, in order."""
    i = 0
    while i < len(words):
        found = _mention_at(words, i) if words[i][0] in _DIGIT_STARTS or words[i] in _STARTS else None
        if found is None:
            i += 1
            continue
        yield i, found[1], Mention(_round(v) if isinstance(v, float) else v for v in found[0])
        i += max(found[1], 1)


READINGS_KEPT = 8192  # texts whose reading is kept: a check reads each candidate twice, for its vector and its profile


@lru_cache(maxsize=READINGS_KEPT)
def read_numbers(text: str) -> tuple[str, tuple[tuple[int, int, Mention], ...]]:
    """(number_text's text, each number's (first character, end character, readings)), kept for the texts read
    last: tasks/similarity/numbers_alike_text.py writes a text for the encoder from the same reading the pair
    features compare."""
    source = number_text(text)
    spans = token_spans(source)
    found = mentions_at([span.group() for span in spans])
    return source, tuple((spans[i].start(), spans[i + used - 1].end(), mention) for i, used, mention in found)


def number_mentions(text: str) -> list[Mention]:
    """Each number a text states, as the set of values it may stand for, in order of appearance."""
    return [mention for _, _, mention in read_numbers(text)[1]]


def canonical_numbers(text: str) -> list[float]:
    """The multiset of bare values a text states (a percentage as its fraction), sorted; a date states none."""
    return sorted(min(values, key=abs) for m in number_mentions(text) if (values := mention_values(m)))


def mention_values(mention: Mention) -> list[float]:
    """The mention's bare values, without the (system, size) quantities of tasks/similarity/units.py."""
    return [v for v in mention if isinstance(v, float)]
