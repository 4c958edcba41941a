"""Reading the text files a command is given: specs, models files, rubrics and outputs to grade, edited payloads,
JSONL datasets. One helper, so every way a file can be unusable gets one line naming the file and the problem."""

from __future__ import annotations

import stat
from pathlib import Path

from domain.errors import UnreadableFile


def read_text(path: Path, what: str) -> str:
    """The UTF-8 text of the file at ``path`` (a leading byte-order mark dropped). UnreadableFile, naming ``what``
    and the path, when it is missing, a folder, not a regular file, not readable, not UTF-8 (with the offset of
    the first bad byte) or binary (with the offset of the first NUL byte)."""

    def refuse(problem: str) -> UnreadableFile:
        return UnreadableFile(f"{what} {path}: {problem}")

    try:
        kind = path.stat().st_mode
        if stat.S_ISDIR(kind):
            raise refuse("is a folder, not a file")
        if not stat.S_ISREG(kind):  # a pipe or a device could block or never end
            raise refuse("is not a regular file")
        data = path.read_bytes()
    except FileNotFoundError:
        raise refuse("not found") from None
    except PermissionError:
        raise refuse("permission denied") from None
    except OSError as exc:
        raise refuse(f"cannot be read ({exc.strerror or exc})") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        # exc.start counts from after a byte-order mark, if one was dropped: give the offset in the file.
        at = exc.start + (3 if data.startswith(b"\xef\xbb\xbf") else 0)
        raise refuse(f"not UTF-8 text (byte 0x{data[at]:02x} at offset {at}: {exc.reason})") from None
    if "\0" in text:
        raise refuse(f"a binary file, not text (a NUL byte at offset {data.index(0)})")
    return text
