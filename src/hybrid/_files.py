"""Reading user-named files safely: only regular files, with a size cap, errors as ``HybridError``.

A path that is a FIFO would block ``open`` forever, ``/dev/zero`` would be read until memory runs
out, and a directory raises ``IsADirectoryError``: every such case becomes one clear error naming
the path.
"""

from __future__ import annotations

import os
import stat
from contextlib import contextmanager
from pathlib import Path

from .errors import HybridError

__all__ = ["read_regular_bytes", "read_regular_text", "check_output_path", "MAX_INPUT_BYTES"]

#: Largest input file read (prompt files, CSVs, JSONL); override with ``HYBRID_MAX_INPUT_BYTES``.
MAX_INPUT_BYTES = 2 * 1024**3


def _max_bytes() -> int:
    env = os.environ.get("HYBRID_MAX_INPUT_BYTES")
    try:
        return int(env) if env else MAX_INPUT_BYTES
    except ValueError:
        raise HybridError(f"HYBRID_MAX_INPUT_BYTES must be an integer, got {env!r}") from None


def file_kind(mode: int) -> str:
    """What a non-regular file is, for error messages (``a directory``, ``a FIFO``, ...)."""
    for test, name in ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a regular file"


def read_regular_bytes(path, what: str = "file", max_bytes: int | None = None) -> bytes:
    """The bytes of ``path``, which must be a regular file of at most ``max_bytes``."""
    path = Path(path)
    limit = _max_bytes() if max_bytes is None else max_bytes
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise HybridError(f"{what} {path}: no such file") from None
    except OSError as exc:
        raise HybridError(f"{what} {path}: cannot open ({exc.strerror or exc})") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise HybridError(f"{what} {path}: not a regular file")
        if st.st_size > limit:
            raise HybridError(f"{what} {path}: {st.st_size} bytes, over the limit of {limit} bytes")
        chunks, total = [], 0
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            total += len(chunk)
            if total > limit:
                raise HybridError(f"{what} {path}: over the limit of {limit} bytes")
            chunks.append(chunk)
        return b"".join(chunks)
    except OSError as exc:
        raise HybridError(f"{what} {path}: cannot read ({exc.strerror or exc})") from None
    finally:
        os.close(fd)


def read_regular_text(path, what: str = "file", max_bytes: int | None = None) -> str:
    raw = read_regular_bytes(path, what, max_bytes)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise HybridError(f"{what} {path}: not UTF-8 text (byte {exc.start})") from None


def check_output_path(out, inputs=(), force: bool = False, what: str = "output") -> Path:
    """Refuse an output path that is one of ``inputs`` (same file), that exists and is not a
    regular file (a FIFO would block the write, a device or directory cannot take it), or that
    exists without ``force``."""
    out = Path(out)
    try:
        st = os.stat(out)
    except OSError:
        st = None
    if st is not None and not stat.S_ISREG(st.st_mode):
        raise HybridError(f"{what} {out} is {file_kind(st.st_mode)}, not a regular file; choose a file path")
    for inp in inputs:
        if inp is None:
            continue
        inp = Path(inp)
        same = out.resolve() == inp.resolve()
        if not same and out.exists() and inp.exists():
            try:
                same = os.path.samefile(out, inp)
            except OSError:
                same = False
        if same:
            raise HybridError(f"{what} {out} would overwrite the input {inp}; choose another path")
    if out.exists() and not force:
        raise HybridError(f"{what} {out} exists; pass --force to overwrite it")
    return out


@contextmanager
def written_in_place(*paths):
    """Yield a temporary name beside each of ``paths``; when the block ends without an error, move
    each into place (``os.replace``), so a failed write leaves no half file. An ``OSError`` becomes
    a ``HybridError`` naming the first path."""
    tmps = [f"{p}.tmp{os.getpid()}" for p in paths]
    try:
        yield tmps
        for t, p in zip(tmps, paths):
            os.replace(t, p)
    except OSError as exc:
        raise HybridError(f"cannot write {paths[0]}: {exc.strerror or exc}") from None
    finally:
        for t in tmps:
            if os.path.exists(t):
                os.unlink(t)
