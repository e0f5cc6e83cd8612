"""The front-end's own tests (completion, error positions, map cutting) run under Node's
test runner; this runs them with the Python suite, so ``make test`` covers both."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

FRONTEND = Path(__file__).resolve().parents[1] / "frontend"
EXPECTED_TESTS = 16


def test_frontend_unit_tests_pass() -> None:
    node = shutil.which("node")
    assert node, "node is not on PATH: the front-end needs Node.js (make frontend)"
    assert (FRONTEND / "node_modules").is_dir(), (
        "frontend/node_modules is missing: run make frontend"
    )
    run = subprocess.run(
        [node, "--test", "test/"],
        cwd=FRONTEND,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    counts = dict(re.findall(r"^# (tests|pass|fail) (\d+)$", run.stdout, re.MULTILINE))
    failures = "\n".join(line for line in run.stdout.splitlines() if line.startswith("not ok"))
    assert run.returncode == 0 and counts.get("fail") == "0", failures or run.stderr[-2000:]
    # Pinned, so that a test file the runner stops finding does not pass unnoticed.
    assert counts.get("tests") == str(EXPECTED_TESTS), counts
