"""Seed files are read byte for byte: no newline translation, BOM kept, strict UTF-8."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from conflictkg.errors import ConflictKGError
from conflictkg.pipeline.seeds import read_seed, sha256_file
from tests.support import FIXTURES

MINI_SEED = FIXTURES / "mini" / "seeds" / "mini.txt"


def test_text_is_decoded_exactly_as_stored(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    data = "\ufeffOne\r\nTwo – “three”\rfour\n".encode()
    path.write_bytes(data)
    seed = read_seed(path)
    assert seed.text == "\ufeffOne\r\nTwo – “three”\rfour\n"
    assert seed.data == data and seed.name == "a.txt"
    assert seed.sha256 == hashlib.sha256(data).hexdigest() == sha256_file(path)


def test_offsets_count_code_points_not_bytes() -> None:
    seed = read_seed(MINI_SEED)
    assert len(seed.data) > len(seed.text)  # "Préll" and the curly quotes
    start = seed.text.index("Préll")
    assert seed.text[start : start + 5] == "Préll"


def test_invalid_utf8_names_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(b"fine\nstill fine\nbroken \xff here\n")
    with pytest.raises(ConflictKGError, match=r"bad\.txt:3: not valid UTF-8 at byte 23"):
        read_seed(path)


def test_missing_seed_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(ConflictKGError, match=r"absent\.txt: cannot read seed"):
        read_seed(tmp_path / "absent.txt")
    with pytest.raises(ConflictKGError, match=r"absent\.txt: cannot read"):
        sha256_file(tmp_path / "absent.txt")
