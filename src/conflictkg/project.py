"""Where a conflictkg project keeps its folders: seeds, ontology, triples, queries, output.

:meth:`Project.at` is the one lookup every command uses for ``--project``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from conflictkg.errors import ConflictKGError

FOLDERS = ("seeds", "ontology", "triples")

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
            if all((path / d).is_dir() for d in FOLDERS):
                return cls(path)
        raise ConflictKGError(
            f"no conflictkg project found at or above {here}: expected the folders "
            "seeds/, ontology/ and triples/ (or set CONFLICTKG_ROOT)"
        )

    @classmethod
    def at(cls, root: Path | str | None) -> Project:
        """The project a ``--project`` option names, which must be one; without the option,
        the one :meth:`find` finds from the working directory."""
        if root is None:
            return cls.find()
        project = cls(Path(root).resolve())
        missing = [d for d in FOLDERS if not (project.root / d).is_dir()]
        if missing:
            raise ConflictKGError(
                f"--project {root}: not a conflictkg project (missing {', '.join(missing)}/)"
            )
        return project

    @classmethod
    def around(cls, root: Path | str | None = None) -> Project | None:
        """:meth:`at`, or None when no project is found (a server of a file alone)."""
        try:
            return cls.at(root) if root is not None else cls.find()
        except ConflictKGError:
            return None
