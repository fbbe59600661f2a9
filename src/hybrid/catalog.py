"""Catalog store: one msgpack file per family, with a checked header and a checked payload.

File layout (``<family>.msgpack``)::

    {"header": {format, family, builder_version, library_version, params, entries,
                build_seconds, payload_bytes, payload_sha256},
     "payload": <bytes: msgpack of the family's payload dict>}

Numeric arrays inside the payload are stored as msgpack extension type 1 holding
``[dtype, shape, raw bytes]`` and come back as read-only ``numpy`` views over the file's bytes
(no copy).

Loading (``load_catalog``) is safe on any file, whoever wrote it:

* only a regular file is read (opened with ``O_NONBLOCK``, checked with ``fstat``: a FIFO, a
  device such as ``/dev/zero``, a directory or a symlink loop is a ``CatalogError``), of at most
  ``MAX_CATALOG_BYTES`` (``$HYBRID_MAX_CATALOG_BYTES`` overrides it);
* the format, family, builder version and the payload's sha256 are checked;
* every array is decoded only when its dtype is plain numeric (no objects, no records) and its
  shape matches its bytes;
* the payload is checked against the family's ``payload_schema`` (a ``Schema``, written with the
  classes below), which states keys, types, dtypes, shapes, value ranges and cross-field
  constraints, so a payload whose checksum was recomputed after tampering still cannot reach
  a family's code with a missing key, a wrong shape or an index that a kernel would read out of
  bounds;
* any failure raises ``CatalogError`` naming the file (and the payload key) and the command that
  rebuilds it. Failures are cached like successes: a broken catalog is read and hashed once per
  process, and every later load raises the same error (``clear_cache`` forgets both).

Where catalogs are looked up, in order: ``$HYBRID_CATALOG_DIR``; ``hybrid/_catalog`` inside an
installed wheel; ``catalog/`` at the root of a source checkout (editable installs).

The schema language
-------------------
A schema is a tree of these checks (``docs/catalog_format.md`` shows each family's):

``Fields({key: schema}, optional={key: schema}, checks=[Check(...)])``
    a map with exactly these string keys (the ``optional`` ones may be absent; any other key is
    an error, so a planted ``_cache``-style key cannot reach a family);
``Map(key=Str(), value=schema, required=(...))``
    a map of any size whose keys and values match, with some keys required;
``ListOf(schema, length=None, min_len=0, max_len=None, unique=False)`` and ``Tuple(a, b, ...)``
    lists, of any length or of fixed positional items;
``Array(dtype, shape=(...), min=..., max=..., sorted=False)``
    a numpy array of exactly this dtype; each shape entry is an int, ``None`` (any size) or a
    *dimension name* such as ``"N"`` or ``"K+1"``; every use of one name in a payload must agree
    (``tables`` ``("N", 256)`` and ``prior`` ``("N",)`` have the same number of rows).
    ``min`` / ``max`` bound the values (inclusive): a number, one number per position of the last
    axis, or a dimension expression (``max="E"``: values at most the size bound to ``E``); float
    arrays must be finite unless ``finite=False``;
``Str(pattern=None, ...)``, ``Int(min, max)``, ``Number(min, max)``, ``Bool()``, ``Any()``
    scalars (``Number`` is an int or a finite float; ``bool`` is never an ``Int``);
``Check(fn, "what it ensures")``
    a constraint over a whole map that the declarations above cannot state; it runs after every
    declared type, shape and bound held, returns True/None when the payload passes, else False or
    a string saying what is wrong.

>>> s = Fields({"rows": Array("uint8", ("N", 4), max=9), "names": ListOf(Str(), length="N")})
>>> validate_payload({"rows": np.zeros((2, 4), np.uint8), "names": ["a", "b"]}, s)
>>> validate_payload({"rows": np.zeros((2, 4), np.uint8), "names": ["a"]}, s)
Traceback (most recent call last):
...
hybrid.errors.CatalogError: payload['names']: expected 2 items (N, bound by payload['rows']), got 1
"""

from __future__ import annotations

import hashlib
import math
import os
import re
import stat
import threading
import time
from pathlib import Path
from typing import Any as _AnyType
from typing import Callable

import msgpack
import numpy as np

from ._files import file_kind as _file_kind
from .errors import CatalogError

__all__ = [
    "FORMAT_VERSION",
    "MAX_CATALOG_BYTES",
    "MAX_OBJECTS",
    "catalog_dir",
    "catalog_path",
    "save_catalog",
    "load_catalog",
    "read_header",
    "clear_cache",
    "max_catalog_bytes",
    "validate_payload",
    "as_schema",
    "Schema",
    "Any",
    "Bool",
    "Int",
    "Number",
    "Str",
    "Array",
    "ListOf",
    "Tuple",
    "Map",
    "Fields",
    "Check",
]

FORMAT_VERSION = 1
#: Largest catalog file read, in bytes (the largest shipped one, bit_manipulation, is 13.7 MB).
#: ``$HYBRID_MAX_CATALOG_BYTES`` overrides it. A crafted payload of tiny msgpack objects takes
#: several times its size in Python objects once decoded, so the cap also bounds memory
#: (docs/catalog_format.md gives the measured worst case).
MAX_CATALOG_BYTES = 64 * 1024**2
#: Most msgpack objects (maps, lists and their items, arrays) one catalog file may decode to, and
#: most items in one map or list: with the size cap, these bound the memory a crafted file can
#: take (a byte of msgpack can otherwise become a 64-byte Python object). The shipped catalogs
#: decode to at most ~10,000 objects: their bulk is arrays, which decode to views.
MAX_OBJECTS = 1 << 20
MAX_CONTAINER_LEN = 1 << 20
#: Most dimensions an array in a payload may have.
MAX_NDIM = 32
_EXT_NDARRAY = 1
#: dtype kinds a payload array may have: bool, integers, floats, complex, bytes, unicode.
_ARRAY_KINDS = frozenset("biufcSU")
REBUILD_HINT = "rebuild it with `python build_catalog.py` (or `hybrid build-catalog`)"
#: ``load_catalog``'s default ``schema``: the family's own ``payload_schema``.
FAMILY_SCHEMA = object()
_cache: dict[tuple, dict] = {}
_failed: dict[tuple, str] = {}
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
    """The path of ``family``'s catalog file in ``directory`` (default: ``catalog_dir()``)."""
    return Path(directory or catalog_dir()) / f"{family}.msgpack"


def max_catalog_bytes() -> int:
    """The size cap in force: ``$HYBRID_MAX_CATALOG_BYTES`` or ``MAX_CATALOG_BYTES``."""
    env = os.environ.get("HYBRID_MAX_CATALOG_BYTES")
    if not env:
        return MAX_CATALOG_BYTES
    try:
        value = int(env)
    except ValueError:
        value = -1
    if value < 0:
        raise CatalogError(f"HYBRID_MAX_CATALOG_BYTES must be a non-negative integer, got {env!r}")
    return value


# ---------------------------------------------------------------------------- encoding
def _default(obj):
    if isinstance(obj, np.ndarray):
        arr = np.ascontiguousarray(obj)
        if arr.dtype.kind not in _ARRAY_KINDS or arr.dtype.fields is not None:
            raise TypeError(f"{arr.dtype} arrays cannot be stored in a catalog")
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


class _Budget:
    """Counts the objects one file decodes to; past ``MAX_OBJECTS`` the decoding stops."""

    def __init__(self, limit: int | None = None):
        self.left = MAX_OBJECTS if limit is None else limit

    def take(self, n: int) -> None:
        self.left -= n
        if self.left < 0:
            raise ValueError(f"it decodes to more than {MAX_OBJECTS} objects (MAX_OBJECTS)")

    def list_hook(self, value):
        self.take(len(value) + 1)
        return value

    def object_hook(self, value):
        self.take(len(value) + 1)
        return value

    def unpack(self, data, **kwargs):
        return msgpack.unpackb(data, raw=False, list_hook=self.list_hook, object_hook=self.object_hook,
                               max_array_len=MAX_CONTAINER_LEN, max_map_len=MAX_CONTAINER_LEN, **kwargs)

    def ext_hook(self, code, data):
        self.take(1)
        if code == _EXT_NDARRAY:
            return _decode_array(data, self)
        return msgpack.ExtType(code, data)


def _decode_array(data: bytes, budget: _Budget | None = None) -> np.ndarray:
    """An ndarray extension's ``[dtype, shape, raw]``, checked before numpy sees it."""
    parts = (budget or _Budget()).unpack(data)
    if not isinstance(parts, list) or len(parts) != 3:
        raise ValueError("an array is not [dtype, shape, bytes]")
    dtype_str, shape, raw = parts
    if not isinstance(dtype_str, str) or not isinstance(shape, list) or not isinstance(raw, bytes):
        raise ValueError("an array is not [dtype, shape, bytes]")
    if len(dtype_str) > 16:
        raise ValueError(f"an array has an invalid dtype {dtype_str[:20]!r}")
    try:
        dtype = np.dtype(dtype_str)
    except Exception:
        raise ValueError(f"an array has an invalid dtype {dtype_str!r}") from None
    if dtype.kind not in _ARRAY_KINDS or dtype.fields is not None or dtype.subdtype is not None \
            or dtype.itemsize == 0:
        raise ValueError(f"an array has dtype {dtype_str!r}; only plain numeric and bytes dtypes are allowed")
    if len(shape) > MAX_NDIM or not all(type(s) is int and s >= 0 for s in shape):
        raise ValueError(f"an array has an invalid shape {shape[:MAX_NDIM + 1]!r}")
    count = math.prod(shape)
    if count * dtype.itemsize != len(raw):
        raise ValueError(f"an array of {dtype_str} and shape {tuple(shape)} needs {count * dtype.itemsize} "
                         f"bytes, the file holds {len(raw)}")
    return np.frombuffer(raw, dtype=dtype).reshape(shape)


def pack_payload(payload: dict) -> bytes:
    """Deterministic bytes: keys sorted, so the result does not depend on insertion order."""
    return msgpack.packb(_sorted(payload), default=_default, use_bin_type=True)


def _sorted(obj):
    if isinstance(obj, dict):
        return {k: _sorted(obj[k]) for k in sorted(obj)}
    if isinstance(obj, (list, tuple)):
        return [_sorted(v) for v in obj]
    return obj


# ---------------------------------------------------------------------------- files
def _read_regular(path: Path) -> bytearray:
    """The bytes of ``path``: a regular file (symlinks followed) of at most the size cap.

    Opened with ``O_NONBLOCK`` so that a FIFO cannot block the open, then checked with ``fstat``
    before anything is read."""
    limit = max_catalog_bytes()
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise CatalogError(f"catalog file {path} is missing; {REBUILD_HINT}") from None
    except NotADirectoryError:
        raise CatalogError(f"catalog file {path} cannot be opened: a parent of it is not a directory") from None
    except OSError as exc:
        raise CatalogError(f"catalog file {path} cannot be opened ({exc.strerror or exc})") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise CatalogError(f"catalog file {path} is not a regular file (it is {_file_kind(st.st_mode)}); "
                               f"{REBUILD_HINT}")
        if st.st_size > limit:
            raise CatalogError(f"catalog file {path} has {st.st_size} bytes, over the limit of {limit} "
                               "(MAX_CATALOG_BYTES; set HYBRID_MAX_CATALOG_BYTES to raise it)")
        buf = bytearray(st.st_size + 1)  # one spare byte tells a file that grew since fstat
        got = 0
        with os.fdopen(fd, "rb", buffering=0, closefd=False) as fh, memoryview(buf) as view:
            while got < len(buf):
                n = fh.readinto(view[got:])
                if not n:
                    break
                got += n
        if got > st.st_size:
            raise CatalogError(f"catalog file {path} grew while it was read; {REBUILD_HINT}")
        del buf[got:]
        return buf
    except OSError as exc:
        raise CatalogError(f"catalog file {path} cannot be read ({exc.strerror or exc})") from None
    finally:
        os.close(fd)


def _read(path: Path, budget: _Budget | None = None) -> dict:
    raw = _read_regular(path)
    try:
        obj = (budget or _Budget()).unpack(raw)
        header, blob = obj["header"], obj["payload"]
        if not isinstance(header, dict) or not isinstance(blob, bytes):
            raise ValueError
    except Exception:
        raise CatalogError(f"catalog file {path} is corrupt (not a hybrid catalog); {REBUILD_HINT}") from None
    return {"header": header, "payload": blob}


def read_header(path: Path) -> dict:
    """The header of a catalog file (format, family, builder version, params, counts), without its payload."""
    return _read(Path(path))["header"]


def _check_target(path: Path) -> None:
    """Refuse to write a catalog over something that is not a regular file."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise CatalogError(f"cannot write catalog file {path} ({exc.strerror or exc})") from None
    if stat.S_ISLNK(st.st_mode):
        try:
            st = os.stat(path)
        except OSError:
            return  # a dangling or looping link is replaced by the new file
    if not stat.S_ISREG(st.st_mode):
        raise CatalogError(f"cannot write catalog file {path}: it is {_file_kind(st.st_mode)}")


def save_catalog(family: str, builder_version: str, payload: dict, params: dict, entries: int,
                 build_seconds: float, directory: Path | None = None, reference: Path | None = None) -> Path:
    """Write a catalog file deterministically.

    ``build_seconds`` is recorded when the payload changes. When an existing file already holds
    the same payload (same sha256) under the same builder version, its recorded build time is
    kept, so a rebuild is byte-identical. ``reference`` names another catalog file to take the
    recorded time from when there is no file yet (``hybrid build-catalog --out DIR`` passes the
    shipped catalog, so a rebuild into an empty directory gives the shipped bytes).
    """
    from . import __version__

    path = catalog_path(family, directory)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CatalogError(f"cannot create the catalog directory {path.parent} ({exc.strerror or exc})") from None
    _check_target(path)
    blob = pack_payload(payload)
    digest = hashlib.sha256(blob).hexdigest()
    for old_path in (path, reference):
        if old_path is None or not Path(old_path).exists():
            continue
        try:
            old = read_header(Path(old_path))
        except CatalogError:
            continue
        if old.get("payload_sha256") == digest and old.get("builder_version") == builder_version:
            build_seconds = old.get("build_seconds", build_seconds)
        break
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
    # A fresh name opened with O_EXCL | O_NOFOLLOW: never writes through a planted link or FIFO.
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
                     | getattr(os, "O_CLOEXEC", 0), 0o666)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise CatalogError(f"cannot write catalog file {path} ({exc.strerror or exc})") from None
    _forget(family, path)
    return path


# ---------------------------------------------------------------------------- loading
def load_catalog(family: str, builder_version: str | None = None, path: Path | None = None,
                 schema=FAMILY_SCHEMA) -> dict:
    """Load (once per process) and check a family's catalog; return its payload dict.

    ``schema`` defaults to the family's ``payload_schema`` (None: the payload is only checked to
    be a map). The payload has one extra key, ``"_header"``, with the file's header. A load that
    failed raises the same ``CatalogError`` again, without reading the file again, until
    ``clear_cache()``.
    """
    key = (str(path) if path else family, family,
           None if builder_version is None else str(builder_version), schema)
    with _lock:
        hit = _cache.get(key)
        if hit is not None:
            return hit
        failed = _failed.get(key)
        if failed is not None:
            raise CatalogError(failed)
        try:
            payload = _load(family, builder_version, path, schema)
        except CatalogError as exc:
            _failed[key] = str(exc)
            raise
        _cache[key] = payload
        return payload


def _load(family: str, builder_version, path, schema) -> dict:
    if builder_version is None or schema is FAMILY_SCHEMA:
        from .families import get_family

        fam = get_family(family)
        if builder_version is None:
            builder_version = fam.builder_version
        if schema is FAMILY_SCHEMA:
            schema = fam.payload_schema
    if schema is not None:
        schema = as_schema(schema, family)
    if path is None:
        _check_catalog_dir()
    p = Path(path) if path else catalog_path(family)
    budget = _Budget()
    obj = _read(p, budget)
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
    try:
        payload = budget.unpack(blob, ext_hook=budget.ext_hook, strict_map_key=False)
    except Exception as exc:
        detail = str(exc) if isinstance(exc, ValueError) and str(exc) else type(exc).__name__
        raise CatalogError(f"catalog file {p}: the payload cannot be decoded ({detail}); {REBUILD_HINT}") from None
    if not isinstance(payload, dict):
        raise CatalogError(f"catalog file {p}: the payload is a {type(payload).__name__}, not a map; {REBUILD_HINT}")
    if schema is not None:
        try:
            validate_payload(payload, schema)
        except CatalogError as exc:
            raise CatalogError(f"catalog file {p}: {exc}; {REBUILD_HINT}") from None
    payload["_header"] = header
    return payload


def _check_catalog_dir() -> None:
    """``$HYBRID_CATALOG_DIR``, when set, must be a directory (a FIFO or a file is named as such)."""
    env = os.environ.get("HYBRID_CATALOG_DIR")
    if not env:
        return
    try:
        st = os.stat(env)
    except FileNotFoundError:
        raise CatalogError(f"HYBRID_CATALOG_DIR={env!r} does not exist") from None
    except OSError as exc:
        raise CatalogError(f"HYBRID_CATALOG_DIR={env!r} cannot be read ({exc.strerror or exc})") from None
    if not stat.S_ISDIR(st.st_mode):
        raise CatalogError(f"HYBRID_CATALOG_DIR={env!r} is not a directory (it is {_file_kind(st.st_mode)})")


def _forget(family: str, path: Path) -> None:
    """Drop what the caches hold for a file that was just written."""
    where = {family, str(path)}
    with _lock:
        for store in (_cache, _failed):
            for key in [k for k in store if k[0] in where]:
                del store[key]


def clear_cache() -> None:
    """Forget loaded catalogs and failed loads (tests use this after rewriting files)."""
    with _lock:
        _cache.clear()
        _failed.clear()


def timed_build(family_obj, tasks, progress: bool = False, directory: Path | None = None,
                related: dict | None = None, reference: Path | None = None) -> Path:
    """Build one family's catalog and save it."""
    t0 = time.perf_counter()
    kwargs = {"related": related} if family_obj.learns_from else {}
    payload, params = family_obj.build_catalog(tasks, progress=progress, **kwargs)
    seconds = time.perf_counter() - t0
    entries = int(params.pop("entries", len(payload)))
    return save_catalog(family_obj.name, family_obj.builder_version, payload, params, entries, seconds, directory,
                        reference=reference)


# ---------------------------------------------------------------------------- schemas
class _Mismatch(Exception):
    """A payload does not match its schema (raised inside the check, reported as CatalogError)."""

    def __init__(self, where: str, message: str):
        super().__init__(f"{where}: {message}")
        self.where, self.message = where, message


_DIM = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\s*(?:([+-])\s*(\d+))?$")


def _parse_dim(expr: str) -> tuple[str, int]:
    m = _DIM.match(expr) if isinstance(expr, str) else None
    if not m:
        raise ValueError(f"invalid dimension expression {expr!r} (use a name such as 'N' or 'N+1')")
    off = int(m.group(3) or 0)
    return m.group(1), (-off if m.group(2) == "-" else off)


class _Context:
    """State of one payload check: bound dimension names and the deferred checks."""

    def __init__(self):
        self.dims: dict[str, tuple[int, str]] = {}
        self.bounds: list[Callable[[], None]] = []
        self.checks: list[Callable[[], None]] = []

    def dim(self, expr, actual: int, where: str, what: str) -> None:
        """Match a size against an int, None or a dimension expression (binding it if new)."""
        if expr is None:
            return
        if isinstance(expr, int):
            if actual != expr:
                raise _Mismatch(where, f"expected {expr} {what}, got {actual}")
            return
        name, off = _parse_dim(expr)
        if name not in self.dims:
            if actual - off < 0:
                raise _Mismatch(where, f"expected {expr} {what}, got {actual}")
            self.dims[name] = (actual - off, where)
            return
        value, bound_at = self.dims[name]
        if actual != value + off:
            raise _Mismatch(where, f"expected {value + off} {what} ({expr}, bound by {bound_at}), got {actual}")

    def value(self, expr, where: str):
        """A bound (number or dimension expression) as a number; the dimension must be bound."""
        if expr is None or isinstance(expr, (int, float)):
            return expr
        name, off = _parse_dim(expr)
        if name not in self.dims:
            raise _Mismatch(where, f"the bound {expr!r} names a dimension no field binds")
        return self.dims[name][0] + off


def _sub(where: str, key) -> str:
    return f"{where}[{key!r}]"


def _type_name(value) -> str:
    if isinstance(value, np.ndarray):
        return f"{value.dtype}[{', '.join(map(str, value.shape))}] array"
    return type(value).__name__


class Schema:
    """Base class of the payload schema checks (see the module docstring)."""

    def check(self, value, where: str, ctx: _Context) -> None:  # pragma: no cover - abstract
        """Raise ``_Mismatch`` naming ``where`` when ``value`` does not match this schema."""
        raise NotImplementedError

    def describe(self) -> str:  # pragma: no cover - abstract
        """A short human-readable form of the schema (used in error messages)."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return self.describe()


class Any(Schema):
    """Anything msgpack can hold."""

    def check(self, value, where, ctx):
        return None

    def describe(self):
        return "any"


class Bool(Schema):
    def check(self, value, where, ctx):
        if not isinstance(value, bool):
            raise _Mismatch(where, f"expected a bool, got {_type_name(value)}")

    def describe(self):
        return "bool"


def _range_text(lo, hi) -> str:
    if lo is None and hi is None:
        return ""
    return f" in [{'' if lo is None else lo}, {'' if hi is None else hi}]"


class Number(Schema):
    """An int or a float (not a bool), finite unless ``finite=False``, within ``[min, max]``."""

    kinds: tuple = (int, float)
    name = "number"

    def __init__(self, min=None, max=None, finite: bool = True):
        self.min, self.max, self.finite = min, max, finite

    def check(self, value, where, ctx):
        if isinstance(value, bool) or not isinstance(value, self.kinds):
            raise _Mismatch(where, f"expected {'an int' if self.kinds == (int,) else 'a number'}, "
                                   f"got {_type_name(value)}")
        if self.finite and isinstance(value, float) and not math.isfinite(value):
            raise _Mismatch(where, f"expected a finite number, got {value!r}")
        if (self.min is not None and value < self.min) or (self.max is not None and value > self.max):
            raise _Mismatch(where, f"expected a value{_range_text(self.min, self.max)}, got {value!r}")

    def describe(self):
        return f"{self.name}{_range_text(self.min, self.max)}"


class Int(Number):
    """An int (not a bool) within ``[min, max]``."""

    kinds = (int,)
    name = "int"

    def __init__(self, min=None, max=None):
        super().__init__(min, max, finite=True)


class Str(Schema):
    """A str of ``min_len..max_len`` characters, matching ``pattern`` (a full match) when given."""

    def __init__(self, pattern: str | None = None, min_len: int = 0, max_len: int | None = None):
        self.pattern = re.compile(pattern) if pattern else None
        self.min_len, self.max_len = min_len, max_len

    def check(self, value, where, ctx):
        if not isinstance(value, str):
            raise _Mismatch(where, f"expected a str, got {_type_name(value)}")
        if len(value) < self.min_len or (self.max_len is not None and len(value) > self.max_len):
            raise _Mismatch(where, f"expected a str of {self.min_len}..{self.max_len or ''} characters, "
                                   f"got {len(value)}")
        if self.pattern is not None and not self.pattern.fullmatch(value):
            raise _Mismatch(where, f"expected a str matching {self.pattern.pattern!r}, got {value[:40]!r}")

    def fast_ok(self, values: list) -> bool:
        """Whether every item of ``values`` passes (no per-item Python call); False says only
        that some item may fail, the caller then checks them one by one for the message."""
        if not set(map(type, values)) <= {str}:
            return False
        if self.min_len or self.max_len is not None:
            lengths = list(map(len, values))
            if min(lengths) < self.min_len or (self.max_len is not None and max(lengths) > self.max_len):
                return False
        return self.pattern is None or all(map(self.pattern.fullmatch, values))

    def describe(self):
        out = "str"
        if self.min_len or self.max_len is not None:
            out += f"({self.min_len}..{'' if self.max_len is None else self.max_len} chars)"
        return out + (f" /{self.pattern.pattern}/" if self.pattern else "")


class Array(Schema):
    """A numpy array of exactly ``dtype`` (a C-contiguous view, as the loader makes them).

    ``shape``: one entry per axis (int, None or dimension expression), or None with ``ndim``
    for any sizes. ``min`` / ``max``: inclusive value bounds (a number, a dimension expression,
    or a sequence of numbers, one per position of the last axis). ``sorted``: non-decreasing
    along the first axis. Float arrays must be finite unless ``finite=False``.
    """

    def __init__(self, dtype, shape=None, ndim: int | None = None, min=None, max=None,
                 sorted: bool = False, finite: bool = True):
        self.dtype = np.dtype(dtype)
        self.shape = None if shape is None else tuple(shape)
        for s in self.shape or ():
            if s is not None and not isinstance(s, int):
                _parse_dim(s)
        self.ndim = len(self.shape) if self.shape is not None else ndim
        self.min, self.max, self.sorted, self.finite = min, max, sorted, finite

    def check(self, value, where, ctx):
        if not isinstance(value, np.ndarray):
            raise _Mismatch(where, f"expected a {self.describe()} array, got {_type_name(value)}")
        if value.dtype != self.dtype:
            raise _Mismatch(where, f"expected dtype {self.dtype} ({self.describe()}), got {value.dtype}")
        if self.ndim is not None and value.ndim != self.ndim:
            raise _Mismatch(where, f"expected {self.ndim} dimensions ({self.describe()}), got shape {value.shape}")
        if not value.flags.c_contiguous:
            raise _Mismatch(where, "expected a C-contiguous array")
        if self.shape is not None:
            for axis, (want, got) in enumerate(zip(self.shape, value.shape)):
                ctx.dim(want, got, where, f"entries along axis {axis} ({self.describe()})")
        if self.min is not None or self.max is not None or self.sorted or \
                (self.finite and value.dtype.kind in "fc"):
            ctx.bounds.append(lambda: self._check_values(value, where, ctx))

    def _limits(self, bound, value, where, ctx, reduce):
        if isinstance(bound, (list, tuple)):
            if value.ndim == 0 or value.shape[-1] != len(bound):
                raise _Mismatch(where, f"expected {len(bound)} entries along the last axis for the per-column bounds")
            limit = np.asarray(bound)
            rows = value.reshape(-1, len(bound))
            # one comparison pass; the per-column extremes are computed only to report a failure
            inside = not np.any(rows < limit) if reduce is np.min else not np.any(rows > limit)
            return limit, (limit if inside else reduce(rows, axis=0))
        return ctx.value(bound, where), reduce(value)

    def _check_values(self, value, where, ctx):
        if value.dtype.kind in "fc" and self.finite and not np.isfinite(value).all():
            raise _Mismatch(where, "expected finite values, found NaN or infinity")
        if value.size == 0:
            return
        if self.min is not None:
            lo, got = self._limits(self.min, value, where, ctx, np.min)
            if np.any(got < lo):
                raise _Mismatch(where, f"expected values >= {self._show(self.min, lo)}, "
                                       f"found {self._found(got, lo, '<')}")
        if self.max is not None:
            hi, got = self._limits(self.max, value, where, ctx, np.max)
            if np.any(got > hi):
                raise _Mismatch(where, f"expected values <= {self._show(self.max, hi)}, "
                                       f"found {self._found(got, hi, '>')}")
        if self.sorted and value.ndim >= 1 and value.shape[0] > 1 and np.any(value[1:] < value[:-1]):
            raise _Mismatch(where, "expected values in non-decreasing order")

    @staticmethod
    def _show(bound, resolved) -> str:
        if isinstance(bound, str):
            return f"{resolved} ({bound})"
        return str(list(bound) if isinstance(bound, (list, tuple)) else bound)

    @staticmethod
    def _found(got, limit, op) -> str:
        got = np.atleast_1d(got)
        limit = np.broadcast_to(limit, got.shape)
        bad = np.flatnonzero(got < limit if op == "<" else got > limit)
        i = int(bad[0])
        return f"{got[i]}" + (f" in column {i}" if got.shape[0] > 1 else "")

    def describe(self):
        if self.shape is not None:
            dims = ", ".join("*" if s is None else str(s) for s in self.shape)
        else:
            dims = ", ".join("*" for _ in range(self.ndim)) if self.ndim is not None else "..."
        out = f"{self.dtype}[{dims}]"
        if self.min is not None or self.max is not None:
            out += _range_text(self.min, self.max)
        if self.sorted:
            out += " sorted"
        return out


class ListOf(Schema):
    """A list whose items all match ``item``; ``length`` (an int or a dimension expression),
    ``min_len`` / ``max_len`` bound its size; ``unique``: no two items equal."""

    def __init__(self, item: Schema, length=None, min_len: int = 0, max_len: int | None = None,
                 unique: bool = False):
        self.item, self.length, self.min_len, self.max_len, self.unique = item, length, min_len, max_len, unique
        if isinstance(length, str):
            _parse_dim(length)

    def check(self, value, where, ctx):
        if not isinstance(value, list):
            raise _Mismatch(where, f"expected a list, got {_type_name(value)}")
        ctx.dim(self.length, len(value), where, "items")
        if len(value) < self.min_len or (self.max_len is not None and len(value) > self.max_len):
            raise _Mismatch(where, f"expected {self.min_len}..{self.max_len or ''} items, got {len(value)}")
        item = self.item
        if type(item) is Str and value and item.fast_ok(value):
            pass  # every item checked at C speed; the loop below runs only to name a bad item
        elif type(item) is not Any:
            for i, v in enumerate(value):
                item.check(v, f"{where}[{i}]", ctx)
        if self.unique:
            try:
                distinct = len(set(value))
            except TypeError:
                distinct = len({repr(v) for v in value})
            if distinct != len(value):
                raise _Mismatch(where, f"expected distinct items, got {len(value) - distinct} repeated")

    def describe(self):
        extra = f", length {self.length}" if self.length is not None else ""
        if self.unique:
            extra += ", distinct"
        return f"list[{self.item.describe()}{extra}]"


class Tuple(Schema):
    """A list of exactly ``len(items)`` items, item ``i`` matching ``items[i]``."""

    def __init__(self, *items: Schema):
        self.items = items

    def check(self, value, where, ctx):
        if not isinstance(value, list):
            raise _Mismatch(where, f"expected a list of {len(self.items)}, got {_type_name(value)}")
        if len(value) != len(self.items):
            raise _Mismatch(where, f"expected {len(self.items)} items, got {len(value)}")
        for i, (s, v) in enumerate(zip(self.items, value)):
            s.check(v, f"{where}[{i}]", ctx)

    def describe(self):
        return "[" + ", ".join(s.describe() for s in self.items) + "]"


class Map(Schema):
    """A map of any size: every key matches ``key``, every value ``value``; ``required`` keys present."""

    def __init__(self, key: Schema | None = None, value: Schema | None = None, required=(),
                 max_len: int | None = None):
        self.key = key or Str()
        self.value = value or Any()
        self.required = tuple(required)
        self.max_len = max_len

    def check(self, value, where, ctx):
        if not isinstance(value, dict):
            raise _Mismatch(where, f"expected a map, got {_type_name(value)}")
        for k in self.required:
            if k not in value:
                raise _Mismatch(_sub(where, k), "missing")
        if self.max_len is not None and len(value) > self.max_len:
            raise _Mismatch(where, f"expected at most {self.max_len} keys, got {len(value)}")
        for k, v in value.items():
            self.key.check(k, f"{where} key {k!r}", ctx)
            self.value.check(v, _sub(where, k), ctx)

    def describe(self):
        req = f" (required {', '.join(map(repr, self.required))})" if self.required else ""
        return f"{{{self.key.describe()}: {self.value.describe()}}}{req}"


class Check:
    """A constraint over a whole map, run after every declared type, shape and bound held.

    ``fn(value)`` returns True or None when the value passes, else False or a string saying what
    is wrong; ``what`` says what it ensures (it names the failure when ``fn`` returns False)."""

    def __init__(self, fn: Callable[[dict], _AnyType], what: str):
        self.fn, self.what = fn, what

    def run(self, value, where: str) -> None:
        """Run the check on ``value``; raise ``_Mismatch`` naming ``where`` when it fails."""
        try:
            ok = self.fn(value)
        except Exception as exc:  # a check never leaks an exception of its own
            raise _Mismatch(where, f"{self.what}: the check failed ({type(exc).__name__}: {exc})") from None
        if ok is None or ok is True:
            return
        raise _Mismatch(where, f"{self.what}: {ok}" if isinstance(ok, str) else f"violates: {self.what}")

    def __repr__(self):
        return f"Check({self.what!r})"


class Fields(Schema):
    """A map with exactly these string keys: ``fields`` required, ``optional`` allowed, nothing else
    (unless ``extra=True``); ``checks`` (``Check``) run over the whole map at the end."""

    def __init__(self, fields: dict[str, Schema], optional: dict[str, Schema] | None = None,
                 checks=(), extra: bool = False):
        self.fields = dict(fields)
        self.optional = dict(optional or {})
        self.checks = tuple(checks)
        self.extra = extra

    def check(self, value, where, ctx):
        if not isinstance(value, dict):
            raise _Mismatch(where, f"expected a map, got {_type_name(value)}")
        for k in self.fields:
            if k not in value:
                raise _Mismatch(_sub(where, k), "missing")
        if not self.extra:
            for k in value:
                if k not in self.fields and k not in self.optional:
                    known = ", ".join(map(repr, [*self.fields, *self.optional]))
                    raise _Mismatch(_sub(where, k), f"unexpected key (expected only {known})")
        for k, s in self.fields.items():
            s.check(value[k], _sub(where, k), ctx)
        for k, s in self.optional.items():
            if k in value:
                s.check(value[k], _sub(where, k), ctx)
        for c in self.checks:
            ctx.checks.append(lambda c=c: c.run(value, where))

    def describe(self):
        parts = [f"{k!r}: {s.describe()}" for k, s in self.fields.items()]
        parts += [f"{k!r}?: {s.describe()}" for k, s in self.optional.items()]
        return "{" + ", ".join(parts) + "}"


def as_schema(spec, family: str = "") -> Schema:
    """A ``Schema`` from ``spec``: a ``Schema`` as is, or the shorthand ``{key: spec}`` (a
    ``Fields`` that allows other keys) whose values are schemas or ``(dtype, ndim)`` pairs
    (``Array(dtype, ndim=ndim)``). Anything else is a programming error (``TypeError``)."""
    if isinstance(spec, Schema):
        return spec
    if isinstance(spec, tuple) and len(spec) == 2 and isinstance(spec[1], int):
        return Array(spec[0], ndim=spec[1])
    if isinstance(spec, dict):
        return Fields({k: as_schema(v, family) for k, v in spec.items()}, extra=True)
    raise TypeError(f"{family or 'payload'}: payload_schema must be a hybrid.catalog.Schema, a dict of them "
                    f"or None, got {type(spec).__name__}")


def validate_payload(payload, schema, name: str = "payload") -> None:
    """Check ``payload`` against ``schema``; raise ``CatalogError`` naming the key and the problem.

    Three passes: types, keys and shapes (binding dimension names), then value bounds, then
    ``Check`` constraints, so that each later pass may rely on what the earlier ones ensured.
    """
    ctx = _Context()
    try:
        as_schema(schema).check(payload, name, ctx)
        for run in ctx.bounds:
            run()
        for run in ctx.checks:
            run()
    except _Mismatch as exc:
        raise CatalogError(str(exc)) from None
