"""app.files.read_text: one line naming the file and the problem for each way a file can be unreadable."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from app.files import read_text
from domain.errors import InvalidInput, UnreadableFile


def refusal(path: Path) -> str:
    with pytest.raises(UnreadableFile) as refused:
        read_text(path, "spec file")
    assert isinstance(refused.value, InvalidInput)  # exit 2 on the command line
    return str(refused.value)


def test_text_is_read_and_a_byte_order_mark_dropped(tmp_path: Path) -> None:
    plain, marked = tmp_path / "a.toml", tmp_path / "b.toml"
    plain.write_text('name = "é"\n', encoding="utf-8")
    marked.write_bytes(b"\xef\xbb\xbfname = 1\n")
    assert read_text(plain, "spec file") == 'name = "é"\n'
    assert read_text(marked, "spec file") == "name = 1\n"


def test_missing(tmp_path: Path) -> None:
    assert refusal(tmp_path / "nope.toml") == f"spec file {tmp_path / 'nope.toml'}: not found"


def test_a_folder(tmp_path: Path) -> None:
    assert refusal(tmp_path) == f"spec file {tmp_path}: is a folder, not a file"


def test_not_a_regular_file(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)  # reading it would block until someone writes
    assert refusal(fifo) == f"spec file {fifo}: is not a regular file"


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b'name = "caf\xe9"\n', "not UTF-8 text (byte 0xe9 at offset 11: invalid continuation byte)"),
        (b"\xff\xfeu\x00", "not UTF-8 text (byte 0xff at offset 0: invalid start byte)"),
        (b"\xef\xbb\xbfab\xff", "not UTF-8 text (byte 0xff at offset 5: invalid start byte)"),
        (b"name = 1\n\x00\x01\x02", "a binary file, not text (a NUL byte at offset 9)"),
    ],
)
def test_not_utf8_or_binary_names_the_offset(tmp_path: Path, data: bytes, problem: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_bytes(data)
    assert refusal(path) == f"spec file {path}: {problem}"


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their permissions (os.geteuid() == 0)")
def test_permission_denied(tmp_path: Path) -> None:
    path = tmp_path / "secret.toml"
    path.write_text("name = 1\n")
    path.chmod(0)
    try:
        assert refusal(path) == f"spec file {path}: permission denied"
    finally:
        path.chmod(0o644)
