"""Seed articles: their text exactly as stored (UTF-8, no newline translation) and SHA-256.

Offsets in the triples count code points of this text, so nothing here may normalise it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from conflictkg.errors import ConflictKGError


@dataclass(frozen=True)
class Seed:
    """One seed file: its bytes as read, and the text they decode to."""

    path: Path
    data: bytes

    @cached_property
    def text(self) -> str:
        # bytes.decode keeps "\r\n" and a BOM as they are; open(..., "r") would translate
        # newlines and shift every offset after the first one.
        try:
            return self.data.decode("utf-8")
        except UnicodeDecodeError as error:
            line = self.data.count(b"\n", 0, error.start) + 1
            raise ConflictKGError(
                f"{self.path}:{line}: not valid UTF-8 at byte {error.start} ({error.reason})"
            ) from None

    @cached_property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def name(self) -> str:
        return self.path.name


def read_seed(path: Path) -> Seed:
    """Read a seed file; an error naming the file when it is missing or not UTF-8."""
    try:
        seed = Seed(path, path.read_bytes())
    except OSError as error:
        raise ConflictKGError(f"{path}: cannot read seed: {error.strerror or error}") from None
    seed.text  # noqa: B018  (decode now, so a bad file fails where it is read)
    return seed


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as error:
        raise ConflictKGError(f"{path}: cannot read: {error.strerror or error}") from None
