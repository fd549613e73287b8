"""Pair similarity shared by decontamination and dedup: numbers as values, pair features, the pair scorer."""
