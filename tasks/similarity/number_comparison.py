"""A graded agreement between two texts' numbers, as tasks/similarity/numbers.py reads them: how much of each
side the other states (number_agreement), and a changed number (one on each side of the same kind, with other
values) told from an added one (on one side only: number_conflict). Shares, never a veto."""

from __future__ import annotations

from collections.abc import Sequence

from tasks.similarity.numbers import Mention, mention_values


def _matched(left: Sequence[Mention], right: Sequence[Mention]) -> int:
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
    return any(v == int(v) and 1000 <= v <= 2100 for v in mention_values(mention))


def _rounded(a: float, b: float) -> bool:
    """Whether one value may be the other rounded: within 5%, and a fraction or a large amount on one side (29
    and 30, a day or a count, differ; 14.7 and 15, $991 and $987 million, may not)."""
    inexact = a != int(a) or b != int(b) or min(abs(a), abs(b)) >= 10_000
    return inexact and abs(a - b) <= 0.05 * max(abs(a), abs(b))


def _unmatched(left: Sequence[Mention], right: Sequence[Mention]) -> tuple[list[Mention], list[Mention]]:
    """The mentions of each side left over after pairing each mention with one of the other side that shares a
    reading or may be one rounded (a paraphrase rounds: "14.7 pounds", "about 15 pounds")."""
    free, rest = list(right), []
    for mention in sorted(left, key=len):
        for j, other in enumerate(free):
            if mention & other or any(_rounded(a, b) for a in mention_values(mention) for b in mention_values(other)):
                del free[j]
                break
        else:
            rest.append(mention)
    return rest, free


def number_conflict(left: Sequence[Mention], right: Sequence[Mention]) -> tuple[float, float]:
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
