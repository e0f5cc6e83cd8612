"""The repository keeps the layout users and CI rely on, and the seeds are untouched."""

import hashlib
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# SHA-256 of each seed article as published; a seed is never edited.
SEED_SHA256 = {
    "000_85d3ba92d2aa6569.txt": "a1c09a55535df5ea42b29b53be3f4f52362d78f1c345d46889debb0d0f882220",
}


@pytest.mark.parametrize(
    "name",
    ["pyproject.toml", "README.md", "seeds", "ontology", "triples", "src", "tests", "queries"],
)
def test_top_level_entry_exists(name: str) -> None:
    assert (ROOT / name).exists(), f"{name} is missing from the repository root"


def test_every_seed_is_known_and_byte_identical() -> None:
    seeds = sorted(p.name for p in (ROOT / "seeds").glob("*.txt"))
    assert seeds == sorted(SEED_SHA256)
    for name, digest in SEED_SHA256.items():
        assert hashlib.sha256((ROOT / "seeds" / name).read_bytes()).hexdigest() == digest


def test_seed_matches_shared_copy_when_present() -> None:
    shared = ROOT.parent / "shared" / "seeds"
    if not shared.is_dir():
        pytest.skip("../shared/seeds is not beside this checkout")
    for path in shared.glob("*.txt"):
        assert (ROOT / "seeds" / path.name).read_bytes() == path.read_bytes()


def test_ci_runs_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in readme
    assert ci.strip().splitlines()[-1] == "make test"


def test_pytest_settings_are_in_the_real_table() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    options = config["tool"]["pytest"]["ini_options"]
    assert options["testpaths"] == ["tests"]
    assert options["filterwarnings"] == ["error"]
