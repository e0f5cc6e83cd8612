"""The competency questions of ``queries/`` as example queries: name, question, text."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

QUESTION = "# Question:"


@dataclass(frozen=True)
class Example:
    name: str
    question: str
    query: str


def load_examples(folder: Path | None) -> list[Example]:
    """Every ``*.rq`` directly in ``folder`` (not its subfolders, which hold the ontology's
    own checks), sorted by file name; the question is the ``# Question:`` line, else the
    file name."""
    if folder is None or not folder.is_dir():
        return []
    examples = []
    for path in sorted(folder.glob("*.rq")):
        try:
            query = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue  # an unreadable example is left out, not a broken page
        question = next(
            (
                line[len(QUESTION) :].strip()
                for line in query.splitlines()
                if line.startswith(QUESTION)
            ),
            "",
        )
        examples.append(Example(path.stem, question or path.stem, query))
    return examples
