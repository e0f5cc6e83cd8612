"""Where a conflictkg project keeps its folders: seeds, ontology, triples, queries, output."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from conflictkg.errors import ConflictKGError

SHAPES_FILE = "shapes.ttl"
VIEW_SHAPES_FILE = "view-shapes.ttl"


def ontology_files(folder: Path) -> list[Path]:
    """The ontology's files in ``folder``: every ``*.ttl`` but the two SHACL shapes files."""
    return [
        p for p in sorted(folder.glob("*.ttl")) if p.name not in (SHAPES_FILE, VIEW_SHAPES_FILE)
    ]


@dataclass(frozen=True)
class Project:
    """The folders of one project; ``output`` holds the built artefacts (ignored by git)."""

    root: Path

    @property
    def seeds(self) -> Path:
        return self.root / "seeds"

    @property
    def ontology(self) -> Path:
        return self.root / "ontology"

    @property
    def triples(self) -> Path:
        return self.root / "triples"

    @property
    def queries(self) -> Path:
        return self.root / "queries"

    @property
    def output(self) -> Path:
        return Path(os.environ.get("CONFLICTKG_OUTPUT", self.root / "output"))

    @classmethod
    def find(cls, start: Path | str | None = None) -> Project:
        """The project whose root holds ``seeds/``, ``ontology/`` and ``triples/``.

        Looks in ``$CONFLICTKG_ROOT``, else in ``start`` (default: the working directory)
        and its parents.
        """
        env = os.environ.get("CONFLICTKG_ROOT")
        candidates = [Path(env)] if env else []
        here = Path(start or Path.cwd()).resolve()
        candidates += [here, *here.parents]
        for path in candidates:
            if all((path / d).is_dir() for d in ("seeds", "ontology", "triples")):
                return cls(path)
        raise ConflictKGError(
            f"no conflictkg project found at or above {here}: expected the folders "
            "seeds/, ontology/ and triples/ (or set CONFLICTKG_ROOT)"
        )
