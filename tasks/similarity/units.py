"""Units, ratios and clock times for tasks/similarity/numbers.py: what a number means beside how it is written.

A rephrasing moves a quantity between units of one system ("18 inches" is "a foot and a half", "45 minutes" is
"three quarters of an hour", "2 weeks" is "a fortnight", "90 cents" is "$0.90"), writes a share as a ratio ("one
in five" is 20%) and a clock time in words ("1:30" is "half past one"). A number followed by a unit therefore
also reads as a quantity: (system, size in the system's smallest unit). Two mentions with units of one system
agree when their quantities do; a quantity never matches a bare number ("10 hours" is not "$600" by way of 600
minutes). More readings of one mention, never a new mention.
"""

from __future__ import annotations

import re

# unit word -> (system, size in the system's smallest unit); singular and plural
_SYSTEMS = {
    "time": {"second": 1, "minute": 60, "hour": 3600, "day": 86400, "week": 604800},
    "calendar": {"month": 1, "year": 12},
    "length": {"inch": 1, "foot": 12, "feet": 12, "yard": 36, "mile": 63360},
    "metric_length": {"millimeter": 1, "centimeter": 10, "meter": 1000, "kilometer": 1_000_000},
    "mass": {"gram": 1, "kilogram": 1000},
    "imperial_mass": {"ounce": 1, "pound": 16},
    "volume": {"milliliter": 1, "liter": 1000},
    "money": {"cent": 1, "dollar": 100},
}
UNITS: dict[str, tuple[str, float]] = {}
for _system, _sizes in _SYSTEMS.items():
    for _word, _size in _sizes.items():
        for _form in {_word, _word + "s", _word.replace("er", "re"), _word.replace("er", "re") + "s"}:
            UNITS[_form] = (_system, float(_size))
UNITS |= {"inches": UNITS["inch"], "hrs": UNITS["hour"], "mins": UNITS["minute"], "km": UNITS["kilometer"]}
UNITS |= {"cm": UNITS["centimeter"], "kg": UNITS["kilogram"], "ml": UNITS["milliliter"], "lb": UNITS["pound"]}
UNITS |= {"lbs": UNITS["pound"], "oz": UNITS["ounce"], "mm": UNITS["millimeter"], "g": UNITS["gram"]}
# words that are a quantity of a unit on their own
LONE_UNITS = {"fortnight": (14.0, "day"), "fortnights": (14.0, "day")}
_FRACTIONS_AFTER_AND = {"half": 0.5, "quarter": 0.25, "third": 1 / 3}
_CLOCK = re.compile(r"\b(\d{1,2}):([0-5]\d)\b")


def converted(values: set, unit: str) -> set:
    """The values with the quantity each stands for in `unit`: (system, size in the system's smallest unit)."""
    system, size = UNITS[unit]
    return set(values) | {(system, round(float(v) * size, 6)) for v in values if isinstance(v, float)}


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


def clock_times(text: str) -> str:
    """Clock times as hours with a fraction ("1:30" -> "1.5"), so "half past one" can match them."""
    return _CLOCK.sub(lambda m: f"{int(m.group(1)) + int(m.group(2)) / 60:.4g}", text)
