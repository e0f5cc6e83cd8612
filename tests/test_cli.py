"""The command line: help for every sub-command, importable entry points, no tracebacks."""

from __future__ import annotations

import importlib
import json
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from conflictkg.cli import COMMANDS, main

REPO = Path(__file__).resolve().parents[1]
MINE = ("build", "validate", "query", "locate")  # the sub-commands of this part of the code


def test_help_lists_every_sub_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    for command in COMMANDS:
        assert command in out


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_sub_command_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main([command, "--help"])
    assert exit_.value.code == 0
    assert f"usage: conflictkg {command}" in capsys.readouterr().out


def test_every_project_script_imports() -> None:
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts
    for name, target in scripts.items():
        module, _, attribute = target.partition(":")
        assert callable(getattr(importlib.import_module(module), attribute)), name


@pytest.mark.parametrize("command", MINE)
def test_my_sub_commands_have_a_command_function(command: str) -> None:
    assert callable(importlib.import_module(COMMANDS[command].module).command)


def test_a_user_error_is_one_message_and_exit_1_in_a_real_process(tmp_path: Path) -> None:
    for folder in ("seeds", "ontology", "triples"):
        (tmp_path / folder).mkdir()
    (tmp_path / "ontology" / "o.ttl").write_text("@prefix : <http://x/> .\n:a :b :c .\n")
    (tmp_path / "ontology" / "shapes.ttl").write_text("")
    (tmp_path / "ontology" / "view-shapes.ttl").write_text("")
    (tmp_path / "seeds" / "a.txt").write_text("text\n")
    (tmp_path / "triples" / "a.ttl").write_text("@prefix : <http://x/> .\n\n:a :b ;; ]\n")
    script = shutil.which("conflictkg", path=str(Path(sys.executable).parent))
    assert script is not None
    result = subprocess.run(
        [script, "--project", str(tmp_path), "build", "--output", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.startswith("conflictkg build: error: ")
    assert f"{tmp_path / 'triples' / 'a.ttl'}:3:" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_a_build_in_a_real_process_prints_its_summary_and_publishes(tmp_path: Path) -> None:
    # the console script ends the process at once after a build (cli.run): what it
    # printed and wrote must all be there
    script = shutil.which("conflictkg", path=str(Path(sys.executable).parent))
    assert script is not None
    output = tmp_path / "out"
    result = subprocess.run(
        [script, "--project", str(REPO), "build", "--output", str(output)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("built ") and "  seconds: " in result.stdout
    record = json.loads((output / "current" / "build.json").read_text(encoding="utf-8"))
    assert record["artefacts"] and (output / "current" / "dataset.trig").stat().st_size > 0
