"""Catalog store: one msgpack file per family, with a checked header.

File layout (``<family>.msgpack``)::

    {"header": {format, family, builder_version, library_version, params, entries,
                build_seconds, payload_bytes, payload_sha256},
     "payload": <bytes: msgpack of the family's payload dict>}

Numeric arrays inside the payload are stored as msgpack extension type 1 holding
``[dtype, shape, raw bytes]`` and come back as read-only ``numpy`` views over the file's bytes
(no copy). Loading checks the format, builder version and checksum, and raises
``CatalogError`` naming the file and the command that rebuilds it.

Where catalogs are looked up, in order: ``$HYBRID_CATALOG_DIR``; ``hybrid/_catalog`` inside an
installed wheel; ``catalog/`` at the root of a source checkout (editable installs).
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from pathlib import Path

import msgpack
import numpy as np

from .errors import CatalogError

__all__ = ["FORMAT_VERSION", "catalog_dir", "catalog_path", "save_catalog", "load_catalog", "read_header", "clear_cache"]

FORMAT_VERSION = 1
_EXT_NDARRAY = 1
REBUILD_HINT = "rebuild it with `python build_catalog.py` (or `hybrid build-catalog`)"
_cache: dict[str, dict] = {}
_lock = threading.Lock()


def catalog_dir(for_writing: bool = False) -> Path:
    """The directory catalogs are read from (or written to)."""
    env = os.environ.get("HYBRID_CATALOG_DIR")
    if env:
        return Path(env)
    here = Path(__file__).resolve().parent
    source_tree = here.parents[1] / "catalog"
    if (here.parents[1] / "pyproject.toml").exists():
        return source_tree
    packaged = here / "_catalog"
    if packaged.is_dir() and not for_writing:
        return packaged
    return source_tree


def catalog_path(family: str, directory: Path | None = None) -> Path:
    return Path(directory or catalog_dir()) / f"{family}.msgpack"


def _default(obj):
    if isinstance(obj, np.ndarray):
        arr = np.ascontiguousarray(obj)
        if arr.dtype.hasobject:
            raise TypeError("object arrays cannot be stored in a catalog")
        return msgpack.ExtType(
            _EXT_NDARRAY, msgpack.packb([arr.dtype.str, list(arr.shape), arr.tobytes()], use_bin_type=True)
        )
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (np.floating,)):
        return float(obj)
    if isinstance(obj, tuple):
        return list(obj)
    raise TypeError(f"cannot store {type(obj).__name__} in a catalog")


def _ext_hook(code, data):
    if code == _EXT_NDARRAY:
        dtype, shape, raw = msgpack.unpackb(data, raw=False)
        return np.frombuffer(raw, dtype=np.dtype(dtype)).reshape(shape)
    return msgpack.ExtType(code, data)


def pack_payload(payload: dict) -> bytes:
    """Deterministic bytes: keys sorted, so the result does not depend on insertion order."""
    return msgpack.packb(_sorted(payload), default=_default, use_bin_type=True)


def _sorted(obj):
    if isinstance(obj, dict):
        return {k: _sorted(obj[k]) for k in sorted(obj)}
    if isinstance(obj, (list, tuple)):
        return [_sorted(v) for v in obj]
    return obj


def save_catalog(family: str, builder_version: str, payload: dict, params: dict, entries: int,
                 build_seconds: float, directory: Path | None = None) -> Path:
    """Write a catalog file deterministically.

    ``build_seconds`` is recorded when the payload changes. When an existing file already holds
    the same payload (same sha256) under the same builder version, its recorded build time is
    kept, so a rebuild is byte-identical.
    """
    from . import __version__

    path = catalog_path(family, directory)
    path.parent.mkdir(parents=True, exist_ok=True)
    blob = pack_payload(payload)
    digest = hashlib.sha256(blob).hexdigest()
    if path.exists():
        try:
            old = read_header(path)
            if old.get("payload_sha256") == digest and old.get("builder_version") == builder_version:
                build_seconds = old.get("build_seconds", build_seconds)
        except CatalogError:
            pass
    header = {
        "format": FORMAT_VERSION,
        "family": family,
        "builder_version": builder_version,
        "library_version": __version__,
        "params": _sorted(params),
        "entries": int(entries),
        "build_seconds": round(float(build_seconds), 2),
        "payload_bytes": len(blob),
        "payload_sha256": digest,
    }
    data = msgpack.packb({"header": header, "payload": blob}, use_bin_type=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return path


def _read(path: Path) -> dict:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise CatalogError(f"catalog file {path} is missing; {REBUILD_HINT}") from None
    try:
        obj = msgpack.unpackb(raw, raw=False)
        header, blob = obj["header"], obj["payload"]
        if not isinstance(header, dict) or not isinstance(blob, bytes):
            raise ValueError
    except Exception:
        raise CatalogError(f"catalog file {path} is corrupt (not a hybrid catalog); {REBUILD_HINT}") from None
    return {"header": header, "payload": blob}


def read_header(path: Path) -> dict:
    return _read(Path(path))["header"]


def load_catalog(family: str, builder_version: str | None = None, path: Path | None = None) -> dict:
    """Load (once per process) and check a family's catalog; return its payload dict.

    The payload has one extra key, ``"_header"``, with the file's header.
    """
    key = str(path) if path else family
    with _lock:
        if key in _cache:
            return _cache[key]
        if builder_version is None:
            from .families import get_family

            builder_version = get_family(family).builder_version
        p = Path(path) if path else catalog_path(family)
        obj = _read(p)
        header, blob = obj["header"], obj["payload"]
        if header.get("format") != FORMAT_VERSION:
            raise CatalogError(
                f"catalog file {p} has format {header.get('format')!r}, this library reads "
                f"format {FORMAT_VERSION}; {REBUILD_HINT}")
        if header.get("family") != family:
            raise CatalogError(f"catalog file {p} holds family {header.get('family')!r}, not {family!r}; {REBUILD_HINT}")
        if str(header.get("builder_version")) != str(builder_version):
            raise CatalogError(
                f"catalog file {p} is stale (builder version {header.get('builder_version')!r}, "
                f"expected {builder_version!r}); {REBUILD_HINT}")
        if hashlib.sha256(blob).hexdigest() != header.get("payload_sha256"):
            raise CatalogError(f"catalog file {p} is corrupt (checksum mismatch); {REBUILD_HINT}")
        payload = msgpack.unpackb(blob, raw=False, ext_hook=_ext_hook, strict_map_key=False)
        payload["_header"] = header
        _cache[key] = payload
        return payload


def clear_cache() -> None:
    """Forget loaded catalogs (tests use this after rewriting files)."""
    with _lock:
        _cache.clear()


def timed_build(family_obj, tasks, progress: bool = False, directory: Path | None = None,
                related: dict | None = None) -> Path:
    """Build one family's catalog and save it."""
    t0 = time.perf_counter()
    kwargs = {"related": related} if family_obj.learns_from else {}
    payload, params = family_obj.build_catalog(tasks, progress=progress, **kwargs)
    seconds = time.perf_counter() - t0
    entries = int(params.pop("entries", len(payload)))
    return save_catalog(family_obj.name, family_obj.builder_version, payload, params, entries, seconds, directory)
