"""Numbers as values, however a text writes them, and a graded agreement between two texts' numbers.

A rephrasing writes numbers differently: "3 times" becomes "thrice", "10 years" becomes "a decade", "5 pies"
becomes "five pies", "50%" becomes "half". Each mention is read as the set of values it may stand for
(digits with separators, number words and compounds, multiplicatives, ordinals, fractions, percentages,
currency, scale words), so two mentions agree when their readings meet. Agreement is a share, never a veto:
the pair scorer (tasks/similarity/pair_scorer.py) weighs it with every other signal. number_conflict tells a
changed number (one on each side of the same kind, with other values) from an added one (on one side only).
"""

from __future__ import annotations

import re

Mention = frozenset  # the values one mention may stand for

_UNIT_WORDS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen"
)
_UNITS = {w: i for i, w in enumerate(_UNIT_WORDS.split())}
_TEN_WORDS = "twenty thirty forty fifty sixty seventy eighty ninety"
_TENS = {w: 10 * (i + 2) for i, w in enumerate(_TEN_WORDS.split())}
_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000, "trillion": 10**12}
# Words that stand for a number on their own; ambiguous readings carry every value ("third": 3rd or 1/3).
_LONE = {
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
    "third": {3.0, 1 / 3},
    "fourth": {4.0, 0.25},
    "fifth": {5.0, 0.2},
    "sixth": {6.0},
    "seventh": {7.0},
    "eighth": {8.0, 0.125},
    "ninth": {9.0},
    "tenth": {10.0, 0.1},
    "twelfth": {12.0},
    "hundredth": {100.0, 0.01},
    "percent": set(),
    "thirds": {1 / 3},
    "fifths": {0.2},
    "tenths": {0.1},
}
# Nouns a counted number scales ("three quarters" = 0.75, "two dozen" = 24, "two decades" = 20).
_COUNTED = {
    "quarter": 0.25,
    "quarters": 0.25,
    "thirds": 1 / 3,
    "third": 1 / 3,
    "fifths": 0.2,
    "tenths": 0.1,
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
_MONTH_WORDS = "january february march april may june july august september october november december"
_MONTHS = {m: float(i + 1) for i, m in enumerate(_MONTH_WORDS.split())}
_MONTHS |= {m[:3]: v for m, v in _MONTHS.items()} | {"sept": 9.0}  # "Jan. 12", "Sept. 3"
# "38-million euros", "a 1.5 billion-pound writedown": the scale word is its own word.
_HYPHENED_SCALE = re.compile(r"(?<=\d)-(?=(?:hundred|thousand|million|billion|trillion)\b)|(?<=illion)-(?=[a-z])")
_DECIMAL_COMMA = re.compile(r"(?<![\d,.])(\d{1,3}),(\d{1,2})(?![\d,])")  # "1,2 million" written the European way
_ORDINAL_DIGITS = re.compile(r"^(\d+)(?:st|nd|rd|th)$")
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


def number_mentions(text: str) -> list[Mention]:
    """Each number a text states, as the set of values it may stand for, in order of appearance."""
    text = _DECIMAL_COMMA.sub(r"\1.\2", _HYPHENED_SCALE.sub(" ", (text or "").casefold()))
    words = _TOKEN.findall(text)
    mentions: list[Mention] = []
    i = 0
    while i < len(words):
        word, nxt = words[i], words[i + 1] if i + 1 < len(words) else ""
        value, used, percent = None, 1, False
        if (parsed := _digits(word)) is not None:
            value, percent = parsed
        elif (ordinal := _ORDINAL_DIGITS.match(word)) is not None:
            value = float(ordinal.group(1))
        elif word in ("a", "an") and nxt in _SCALES:
            value, used = float(_SCALES[nxt]), 2
        elif word == "half" and nxt in ("a", "an") and i + 2 < len(words) and words[i + 2] in {**_COUNTED, **_SCALES}:
            value, used = 0.5 * {**_COUNTED, **_SCALES}[words[i + 2]], 3  # "half a dozen" is 6
        elif (run := _word_number(words, i)) is not None and not (word == "one" and run[1] == 1):
            value, used = run  # a lone "one" is mostly a pronoun ("each one gets")
        elif word in _MONTHS and (_digits(nxt) is not None or (i and _digits(words[i - 1]) is not None)):
            value = _MONTHS[word]  # a month in a date ("April 14", "14 April") is its number
        elif word in _LONE and _LONE[word]:
            mentions.append(Mention(_round(v) for v in _LONE[word]))
            i += 1
            continue
        if value is None:
            i += 1
            continue
        after = words[i + used] if i + used < len(words) else ""
        if after in _SCALES and _digits(word) is not None:  # "2.5 billion"
            value, used = value * _SCALES[after], used + 1
        elif after in _COUNTED:  # "three quarters", "two dozen"
            value, used = value * _COUNTED[after], used + 1
        elif after in ("percent", "%") or (
            after == "per" and i + used + 1 < len(words) and words[i + used + 1] == "cent"
        ):
            percent, used = True, used + (2 if after == "per" else 1)
        readings = {value, value / 100} if percent else {value}
        mentions.append(Mention(_round(v) for v in readings))
        i += used
    return mentions


def canonical_numbers(text: str) -> list[float]:
    """The multiset of values a text states (a percentage as its fraction), sorted."""
    return sorted(min(m, key=abs) if len(m) > 1 else next(iter(m)) for m in number_mentions(text))


def _matched(left: list[Mention], right: list[Mention]) -> int:
    """How many of `left`'s mentions find a distinct mention of `right` sharing a reading (greedy, one to one)."""
    free = list(right)
    matched = 0
    for mention in sorted(left, key=len):
        for j, other in enumerate(free):
            if mention & other:
                matched += 1
                del free[j]
                break
    return matched


def number_agreement(left: list[Mention], right: list[Mention]) -> tuple[float, float]:
    """(share of left's numbers that right states, share of right's that left states), as multisets: "6 and 6
    more" states 6 twice and is not "6 and 5 more". A side with no numbers has nothing to state and scores 1."""
    if not left and not right:
        return 1.0, 1.0
    forward = _matched(left, right) / len(left) if left else 1.0
    backward = _matched(right, left) / len(right) if right else 1.0
    return forward, backward


def _year(mention: Mention) -> bool:
    """Whether the mention may be a year (a whole number from 1000 to 2100)."""
    return any(v == int(v) and 1000 <= v <= 2100 for v in mention)


def _rounded(a: float, b: float) -> bool:
    """Whether one value may be the other rounded: within 5%, and a fraction or a large amount on one side (29
    and 30, a day or a count, differ; 14.7 and 15, $991 and $987 million, may not)."""
    inexact = a != int(a) or b != int(b) or min(abs(a), abs(b)) >= 10_000
    return inexact and abs(a - b) <= 0.05 * max(abs(a), abs(b))


def _unmatched(left: list[Mention], right: list[Mention]) -> tuple[list[Mention], list[Mention]]:
    """The mentions of each side left over after pairing each mention with one of the other side that shares a
    reading or may be one rounded (a paraphrase rounds: "14.7 pounds", "about 15 pounds")."""
    free, rest = list(right), []
    for mention in sorted(left, key=len):
        for j, other in enumerate(free):
            if mention & other or any(_rounded(a, b) for a in mention for b in other):
                del free[j]
                break
        else:
            rest.append(mention)
    return rest, free


def number_conflict(left: list[Mention], right: list[Mention]) -> tuple[float, float]:
    """(conflict, matched): conflict is the share of the smaller side's numbers that the other side states with
    another value of the same kind (a year against a year, any other number against another: a changed
    number), 0 when either side has none; numbers only one side adds are not a conflict. matched is how many
    numbers the two state alike, capped at 3, over 3."""
    if not left or not right:
        return 0.0, 0.0
    rest_left, rest_right = _unmatched(left, right)
    years_left, years_right = sum(map(_year, rest_left)), sum(map(_year, rest_right))
    changed = min(years_left, years_right) + min(len(rest_left) - years_left, len(rest_right) - years_right)
    return changed / min(len(left), len(right)), min(_matched(left, right), 3) / 3
