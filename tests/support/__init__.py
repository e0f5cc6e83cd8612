"""What the tests share: the repository's folders, and (in ``liveserver``) the one launcher
of a real ``conflictkg serve`` that the live tests and ``bench/`` both use."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
"""The repository root."""

TESTS = ROOT / "tests"
FIXTURES = TESTS / "fixtures"
SAMPLE = TESTS / "web" / "data" / "sample.trig"
"""The small TriG dataset the endpoint tests serve."""
