"""Reading and writing JSON files, plain or gzip-compressed, with one-line errors and atomic writes."""

import gzip
import json
import os
import tempfile
import zlib
from pathlib import Path
from typing import Any

from .errors import InputError


def read_json(path: str | Path) -> Any:
    """Parse a .json or .json.gz file; every failure is an InputError naming the file."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError(str(path), "no such file") from None
    except IsADirectoryError:
        raise InputError(str(path), "is a directory, not a file") from None
    except OSError as exc:
        raise InputError(str(path), f"cannot read: {exc.strerror}") from None
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as exc:
            raise InputError(str(path), f"broken gzip data: {exc}") from None
    try:
        return json.loads(raw)
    except UnicodeDecodeError:
        raise InputError(str(path), "not text (neither JSON nor gzip-compressed JSON)") from None
    except json.JSONDecodeError as exc:
        raise InputError(str(path), f"malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None


def write_json(path: str | Path, obj: Any) -> None:
    """Write atomically (see write_atomic). Gzip for .gz."""
    path = Path(path)
    data = json.dumps(obj, indent=None if path.suffix == ".gz" else 1).encode()
    if path.suffix == ".gz":
        data = gzip.compress(data, mtime=0)
    write_atomic(path, data)


def write_atomic(path: str | Path, data: bytes) -> None:
    """A temporary file beside `path`, then a rename: never a half-written file."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent or ".")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
