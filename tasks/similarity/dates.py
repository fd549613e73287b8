"""Dates in a text: a day and its month as one value, ("date", month, day), whichever way round they are written,
so "July 04" and "April 07" are two dates rather than the same two numbers (tasks/similarity/numbers.py reads
every other number)."""

from __future__ import annotations

from tasks.similarity.units import unit_after

_MONTH_WORDS = "january february march april may june july august september october november december"
MONTHS = {m: float(i + 1) for i, m in enumerate(_MONTH_WORDS.split())}
MONTHS |= {m[:3]: v for m, v in MONTHS.items()} | {"sept": 9.0}  # "Jan. 12", "Sept. 3"
_VERB_MONTHS = frozenset({"may", "march", "mar"})
_ORDINAL_ENDS = (["st"], ["nd"], ["rd"], ["th"])  # "4th" is read as the tokens "4" and "th"


def _day(word: str) -> int | None:
    """The day of the month a token may be ("14", "04"), or None."""
    return int(word) if word.isdigit() and len(word) <= 2 and 1 <= int(word) <= 31 else None


def date_at(words: list[str], i: int) -> tuple[set, int] | None:
    """(readings, words used) of a day and month at words[i], either way round ("July 4", "4 July", "the 4th of
    July"): one value, ("date", month, day), so "July 04" and "April 07" are two dates, not the same two numbers.
    "march 5 miles" is a march: a unit after the day makes no date. "may" or "march" right after a bare number
    may be a verb ("1 to 4 may vary"): without a year after it, that number is read as itself too, so "on 4 May"
    still meets "on May 4"."""
    if words[i] in MONTHS and i + 1 < len(words) and (day := _day(words[i + 1])) is not None:
        used = 2 + (words[i + 2 : i + 3] in _ORDINAL_ENDS)
        if not unit_after({1.0}, words, i + used)[1]:
            return {("date", MONTHS[words[i]], float(day))}, used
    if (day := _day(words[i])) is not None:
        ordinal = words[i + 1 : i + 2] in _ORDINAL_ENDS
        month = i + 1 + ordinal
        month += words[month : month + 1] == ["of"]
        if month < len(words) and words[month] in MONTHS:
            date = ("date", MONTHS[words[month]], float(day))
            verb = month == i + 1 and words[month] in _VERB_MONTHS and not is_year(words[month + 1 : month + 2])
            return ({date, float(day)} if verb else {date}), month + 1 - i
    return None


def is_year(words: list[str]) -> bool:
    """Whether the (at most one) word is a year written in digits ("2025")."""
    return bool(words) and words[0].isdigit() and 1000 <= int(words[0]) <= 2100
