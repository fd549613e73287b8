"""Memorisation: a generated row that copies long spans of one real seed row is a transformed leak."""

from __future__ import annotations

from collections import Counter, defaultdict

from tasks.text_features import word_ngrams, word_tokens


class SeedSpans:
    """The word n-grams of every seed row, to look up which rows a text copies from."""

    def __init__(self, ids: list[str], texts: list[str], ngram_size: int):
        self.ids = ids
        self.size = ngram_size
        postings: dict[tuple, set[int]] = defaultdict(set)
        for position, text in enumerate(texts):
            for gram in word_ngrams(word_tokens(text), ngram_size):
                postings[gram].add(position)
        self.postings = dict(postings)

    def copied_share(self, text: str) -> tuple[float, str | None]:
        """(share of the text's n-grams found in one seed row, that row's id) for the row it copies most."""
        grams = word_ngrams(word_tokens(text), self.size)
        if not grams:
            return 0.0, None
        shared = Counter(p for gram in grams for p in self.postings.get(gram, ()))
        if not shared:
            return 0.0, None
        position, count = shared.most_common(1)[0]
        return count / len(grams), self.ids[position]
