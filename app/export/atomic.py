"""Writing an export all at once: to a temporary sibling first, then renamed into place, so an error never
leaves half a file or half a folder behind."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from app.export.errors import ExportError


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _parent(path: Path) -> Path:
    parent = path.parent
    if not parent.exists():
        raise ExportError(f"cannot write {path}: the folder {parent} does not exist")
    if not parent.is_dir():
        raise ExportError(f"cannot write {path}: {parent} is not a folder")
    return parent


def _why(path: Path, exc: OSError) -> ExportError:
    return ExportError(f"cannot write {path}: {exc.strerror or exc}")


def write_file(path: Path, data: bytes) -> None:
    """``data`` to ``path`` (replacing a file there), or nothing at all."""
    if path.is_dir():
        raise ExportError(f"cannot write {path}: it is a folder (this format writes one file)")
    parent = _parent(path)
    try:
        fd, tmp = tempfile.mkstemp(dir=parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise _why(path, exc) from None
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise _why(path, exc) from None


def _replaceable(path: Path, files: dict[str, bytes]) -> bool:
    """An existing folder may be replaced only when it holds nothing but an earlier export's files."""
    ours = set(files) | {str(Path(name).parent) for name in files}
    return all(str(p.relative_to(path)) in ours for p in path.rglob("*"))


def write_folder(path: Path, files: dict[str, bytes]) -> None:
    """A folder of ``files`` (relative path -> bytes) at ``path``, or nothing at all."""
    if path.exists() and not path.is_dir():
        raise ExportError(f"cannot write {path}: it exists and is not a folder")
    if path.is_dir() and not _replaceable(path, files):
        raise ExportError(f"cannot write {path}: the folder holds other files; name a new or empty folder")
    parent = _parent(path)
    try:
        tmp = Path(tempfile.mkdtemp(dir=parent, prefix=f".{path.name}.", suffix=".tmp"))
    except OSError as exc:
        raise _why(path, exc) from None
    old = None
    try:
        for name, data in sorted(files.items()):
            target = tmp / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        for p in [tmp, *tmp.rglob("*")]:
            os.chmod(p, (0o777 if p.is_dir() else 0o666) & ~_umask())
        if path.exists():
            old = Path(tempfile.mkdtemp(dir=parent, prefix=f".{path.name}.", suffix=".old"))
            os.replace(path, old / "previous")
        os.replace(tmp, path)
    except OSError as exc:
        if old is not None and not path.exists():
            os.replace(old / "previous", path)  # put the earlier export back
        shutil.rmtree(tmp, ignore_errors=True)
        raise _why(path, exc) from None
    finally:
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
