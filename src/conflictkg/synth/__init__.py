"""Synthetic corpora (``conflictkg synth``): invented articles whose triples pass the same
checks as real ones, for measuring cost against size."""
