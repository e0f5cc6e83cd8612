"""conflictkg: news articles about armed conflicts as validated, provenance-anchored linked data."""

__version__ = "0.1.0"
