"""The built SPARQL editor and the region map in headless Chromium, on frontend/'s demo
pages (no server needed): frontend/check_frontend.py's checks, run by the suite.
Without /usr/bin/chromium the test is skipped with a plain reason, like the other browser
tests."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

CHROMIUM = Path("/usr/bin/chromium")
SCRIPT = Path(__file__).resolve().parents[2] / "frontend" / "check_frontend.py"

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Chromium not installed: browser tests skipped"
)


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("check_frontend", SCRIPT)
    assert spec and spec.loader, f"{SCRIPT} cannot be loaded"
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_editor_completes_runs_and_marks_errors_and_map_draws_places(tmp_path: Path) -> None:
    problems = load_script().check(tmp_path)
    assert problems == []
    shots = sorted(p.name for p in tmp_path.glob("*.png"))
    assert shots == [
        "editor-375.png",
        "editor-completion.png",
        "editor.png",
        "map-375.png",
        "map-900.png",
    ]
