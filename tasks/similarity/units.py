"""Units, ratios and clock times for tasks/similarity/numbers.py: what a number means beside how it is written.

A rephrasing moves a quantity between units of one system ("18 inches" is "a foot and a half", "45 minutes" is
"three quarters of an hour", "2 weeks" is "a fortnight", "90 cents" is "$0.90"), writes a share as a ratio ("one
in five" is 20%) and a clock time in words ("1:30" is "half past one"). A number followed by a unit therefore
also reads as a quantity: (system, size in the system's smallest unit). Two mentions with units of one system
agree when their quantities do; a quantity never matches a bare number ("10 hours" is not "$600" by way of 600
minutes). A compound of one system is one quantity ("1 hour and 15 minutes" is "an hour and a quarter", "2 feet
3 inches" is 27 inches), a calendar quantity also the time it lasts (a year is 365 days or 52 weeks, a month 30
days, as word problems count them), and a clock time may be spoken ("ten to eight" is 7:50).
"""

from __future__ import annotations

import re
from collections.abc import Callable

# unit word -> (system, size in the system's smallest unit); singular and plural
_SYSTEMS = {
    "time": {"second": 1, "minute": 60, "hour": 3600, "day": 86400, "week": 604800},
    "calendar": {"month": 1, "year": 12},
    "length": {"inch": 1, "foot": 12, "feet": 12, "yard": 36, "mile": 63360},
    "metric_length": {"millimeter": 1, "centimeter": 10, "meter": 1000, "kilometer": 1_000_000},
    "mass": {"gram": 1, "kilogram": 1000},
    "imperial_mass": {"ounce": 1, "pound": 16},
    "volume": {"milliliter": 1, "liter": 1000},
    "money": {"cent": 1, "dollar": 100, "dime": 10, "nickel": 5, "penny": 1},
}
UNITS: dict[str, tuple[str, float]] = {}
for _system, _sizes in _SYSTEMS.items():
    for _word, _size in _sizes.items():
        for _form in {_word, _word + "s", _word.replace("er", "re"), _word.replace("er", "re") + "s"}:
            UNITS[_form] = (_system, float(_size))
UNITS |= {"inches": UNITS["inch"], "hrs": UNITS["hour"], "mins": UNITS["minute"], "km": UNITS["kilometer"]}
UNITS |= {"cm": UNITS["centimeter"], "kg": UNITS["kilogram"], "ml": UNITS["milliliter"], "lb": UNITS["pound"]}
UNITS |= {
    "pennies": UNITS["penny"],
    "lbs": UNITS["pound"],
    "oz": UNITS["ounce"],
    "mm": UNITS["millimeter"],
    "g": UNITS["gram"],
    "ft": UNITS["foot"],
    "yd": UNITS["yard"],
    "yds": UNITS["yard"],
    "hr": UNITS["hour"],
}
# "in" is an inch only as the smaller part after feet, under 12: "2 ft 8 in", "5 feet 3 in" (not "3 in 5 people",
# not "6 miles, 3 in the morning": the words have lost their commas)
_INCH_AFTER = frozenset({"ft", "foot", "feet"})
# words that are a quantity of a unit on their own
LONE_UNITS = {"fortnight": (14.0, "day"), "fortnights": (14.0, "day")}
_FRACTIONS_AFTER_AND = {"half": 0.5, "quarter": 0.25, "third": 1 / 3}
_CLOCK = re.compile(r"\b(\d{1,2}):([0-5]\d)\b")


_DAY, _WEEK = 86400.0, 604800.0


def _calendar_as_time(months: float) -> set:
    """The lengths in seconds a number of months may stand for in a word problem: a year is 365 days or 52 weeks
    (both are written: "365 days", "52 weeks") and a month 30 days ("a 30-day month")."""
    return {("time", round(months / 12 * 365 * _DAY, 3)), ("time", round(months / 12 * 52 * _WEEK, 3))} | {
        ("time", round(months * 30 * _DAY, 3))
    }


def converted(values: set, unit: str) -> set:
    """The values with the quantity each stands for in `unit`: (system, size in the system's smallest unit); a
    calendar quantity also as the time it lasts ("a year" is "52 weeks")."""
    system, size = UNITS[unit]
    out = set(values)
    for v in values:
        if isinstance(v, float):
            out.add((system, round(v * size, 3)))
            if system == "calendar":
                out |= _calendar_as_time(v * size)
    return out


def unit_after(values: set, words: list[str], j: int) -> tuple[set, int]:
    """(readings, words used) of a quantity whose number ends before words[j]: "18 inches", and for a fraction
    "half an hour", "three quarters of an hour"; (values, 0) when no unit follows."""
    k = j + (j < len(words) and words[j] == "of")
    if k < len(words) and words[k] in ("a", "an") and all(isinstance(v, float) and v < 1 for v in values):
        k += 1
    elif k > j:
        return values, 0
    if k < len(words) and words[k] in UNITS:
        return converted(values, words[k]), k + 1 - j
    return values, 0


def and_a_fraction(words: list[str], j: int) -> tuple[float, int]:
    """(fraction, words used) of "and a half" / "and a quarter" at words[j]; (0, 0) otherwise."""
    if words[j : j + 2] == ["and", "a"] and j + 2 < len(words) and words[j + 2] in _FRACTIONS_AFTER_AND:
        return _FRACTIONS_AFTER_AND[words[j + 2]], 3
    return 0.0, 0


def one_unit_and_a_fraction(words: list[str], i: int) -> tuple[set, int] | None:
    """ "an hour and a half", "a foot and a half" at words[i]: 1.5 of the unit, in each of its system's units."""
    if words[i] in ("a", "an") and i + 1 < len(words) and words[i + 1] in UNITS:
        fraction, used = and_a_fraction(words, i + 2)
        if used:
            return converted({1 + fraction}, words[i + 1]), 2 + used
    return None


# a number as its value (words of compound_rest): (value, words used, is a percentage) or None
ValueAt = Callable[[list[str], int], "tuple[float, int, bool] | None"]
_COINS = frozenset({"dime", "nickel", "penny"})  # "a quarter" is left out: mostly a fraction ("a quarter of it")
_DURATION_BEFORE = frozenset({"after", "for", "over", "within"})  # "after a year"; "$8 a week" is a rate


def compound_rest(words: list[str], j: int, unit: str, value_at: ValueAt) -> tuple[float, int]:
    """(amount in `unit`, words used) of a smaller unit of the same system right after a quantity in `unit`
    ending before words[j]: "1 hour [and] 15 minutes", "2 feet 3 inches"; (0, 0) if none follows."""
    k = j + (j < len(words) and words[j] == "and")
    found = value_at(words, k) if k < len(words) else None
    if found is None or found[2] or k + found[1] >= len(words):
        return 0.0, 0
    after = words[k + found[1]]
    inch = after == "in" and unit in _INCH_AFTER and found[0] < 12
    smaller = UNITS["inch"] if inch else UNITS.get(after)
    system, size = UNITS[unit]
    if smaller is None or smaller[0] != system or smaller[1] >= size:
        return 0.0, 0
    return found[0] * smaller[1] / size, k + found[1] + 1 - j


def one_unit(words: list[str], i: int, value_at: ValueAt) -> tuple[set, int] | None:
    """ "a/an <unit>" at words[i] as one of the unit where it is a quantity: before a smaller unit ("an hour and
    twenty-five minutes"), a coin ("a dime"), a duration ("after a year"); None elsewhere ("$14 an hour")."""
    if words[i] not in ("a", "an") or i + 1 >= len(words) or words[i + 1] not in UNITS:
        return None
    unit = words[i + 1]
    extra, used = compound_rest(words, i + 2, unit, value_at)
    # "for a second day" is an ordinal, so a second is never a duration here
    duration = i > 0 and words[i - 1] in _DURATION_BEFORE and UNITS[unit][0] in ("time", "calendar")
    duration = duration and unit != "second"
    if used or unit in _COINS or duration:
        return converted({1 + extra}, unit), 2 + used
    return None


_HOUR_WORDS = "one two three four five six seven eight nine ten eleven twelve"
_HOURS = _HOUR_WORDS.split()
_MINUTES = {"a quarter": 15, "quarter": 15, "half": 30, "five": 5, "ten": 10, "twenty": 20}
_MINUTES |= {"twenty-five": 25, "twenty five": 25}
# "ten to eight" is 7:50 at a time ("at", "by", "until") or before "in the morning" / "a.m."; "from five to
# eight" is a range and "five to eight dollars" an amount, so "to" needs that context unless the minutes are a
# quarter or twenty-five; "twenty past six" needs none. Never before a plural noun or a unit ("to eight days").
_CLOCK_WORDS = re.compile(
    rf"\b({'|'.join(sorted(_MINUTES, key=len, reverse=True))}) (past|to) ({'|'.join(_HOURS)}|1[0-2]|[1-9])\b"
    r"(?! (?:(?!(?:is|was|as|has|this|its|thus)\b)[a-z]+s|dollar|hour|minute|day|week|month|year)\b)"
    r"( in the (?:morning|afternoon|evening)| [ap]\.?m\b| o'clock)?"
)
_AT = frozenset({"at", "by", "until", "till", "before", "after", "around", "about", "leaves", "departs", "arrives"})


def _clock_words(match: re.Match) -> str:
    minutes, way, hour, after = match.groups()
    prefix = match.string[: match.start()].rstrip()
    word_before = prefix[prefix.rfind(" ") + 1 :]
    before = word_before in _AT  # the word before: "at ten to eight"
    ranged = word_before in ("from", "between") and not after  # "from twenty-five to ten" is a range
    if way == "to" and (minutes == "half" or ranged or not (before or after or _MINUTES[minutes] in (15, 25))):
        return match.group(0)
    value = (int(hour) if hour.isdigit() else _HOURS.index(hour) + 1) + _MINUTES[minutes] / 60 * (
        1 if way == "past" else -1
    )
    if value <= 0:
        return match.group(0)
    return f"{value:.4g}{after or ''}"


def clock_times(text: str) -> str:
    """Clock times as hours with a fraction ("1:30" -> "1.5", "ten to eight" -> "7.833"), so written and
    spoken forms of one time match."""
    text = _CLOCK.sub(lambda m: f"{int(m.group(1)) + int(m.group(2)) / 60:.4g}", text) if ":" in text else text
    return _CLOCK_WORDS.sub(_clock_words, text) if " past " in text or " to " in text else text
