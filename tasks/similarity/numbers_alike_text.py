"""A text with every number written one way, for the encoder: "thrice", "3 times" and "three times" all become
"3 ...", "a quarter" and "25%" both "0.25", "a twenty-dollar shirt" and "a $20 shirt" both "a 20 shirt".

A rephrasing that writes its numbers otherwise then embeds near its item, so the cosine itself credits numbers
stated alike, where a text that only shares the numbers stays as far as its words make it. Each number is read as
tasks/similarity/numbers.py reads it and written as its smallest plain value (a date as "date <month> <day>").
The text comes out as the numbers are read from it (folded, labels dropped: the encoder is uncased) with its
punctuation and spacing kept: without them a name weighed more in the mean of a short text's tokens (a template
row with another name fell from a cosine of 0.91 to 0.81 against its twin). tasks/embeddings/encoder.py embeds
every text this way; docs/detection.md (seventeenth round) says what it gains.
"""

from __future__ import annotations

from tasks.similarity.numbers import Mention, read_numbers


def _written(mention: Mention) -> str:
    plain = sorted((value for value in mention if isinstance(value, float)), key=abs)
    if plain:
        return f"{plain[0]:g}"
    dates = sorted(value for value in mention if isinstance(value, tuple) and value[0] == "date")
    return " ".join(["date", *(f"{part:g}" for part in dates[0][1:])]) if dates else ""


def numbers_written_alike(text: str) -> str:
    """text with each number it states written as one plain value, however the text wrote it."""
    source, mentions = read_numbers(text)
    out: list[str] = []
    end = 0
    for first, last, mention in mentions:
        out += [source[end:first], _written(mention) or source[first:last]]
        end = last
    return "".join([*out, source[end:]])
