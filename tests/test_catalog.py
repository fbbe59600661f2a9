import doctest
import hashlib
import os
import random
import subprocess
import sys
import threading
from pathlib import Path

import msgpack
import numpy as np
import pytest

import hybrid
import hybrid.catalog as catalog_mod
from hybrid import CatalogError
from hybrid.catalog import (
    Array,
    Check,
    Fields,
    Int,
    ListOf,
    Map,
    Number,
    Str,
    Tuple,
    clear_cache,
    load_catalog,
    read_header,
    save_catalog,
    validate_payload,
)
from hybrid.families import _schemas

ROOT = Path(__file__).resolve().parents[1]
CATALOG_FAMILIES = [n for n in hybrid.family_names() if hybrid.get_family(n).has_catalog]


@pytest.fixture(autouse=True)
def _fresh_cache():
    clear_cache()
    yield
    clear_cache()


def _save(tmp_path, payload=None, version="7"):
    payload = payload or {"b": [1, 2, 3], "a": np.arange(12, dtype=np.uint16).reshape(3, 4), "s": "x"}
    return save_catalog("numeral", version, payload, {"k": 1}, entries=3, build_seconds=1.234, directory=tmp_path)


def _load_toy(path, version="7", family="numeral"):
    """Load a file holding a toy payload (no schema: these tests are about the file format)."""
    return load_catalog(family, builder_version=version, path=path, schema=None)


def _write_raw(path, blob: bytes, family="numeral", version="7", sha=None):
    """A catalog file around an arbitrary payload blob, its checksum recomputed (re-signed)."""
    header = {"format": 1, "family": family, "builder_version": version, "library_version": hybrid.__version__,
              "params": {}, "entries": 1, "build_seconds": 0.0, "payload_bytes": len(blob),
              "payload_sha256": sha or hashlib.sha256(blob).hexdigest()}
    path.write_bytes(msgpack.packb({"header": header, "payload": blob}, use_bin_type=True))
    return path


def _in_thread(fn, timeout=10.0):
    """Run ``fn`` in a daemon thread: returns its exception (or None); fails if it hangs."""
    box = {}

    def run():
        try:
            fn()
            box["exc"] = None
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            box["exc"] = exc

    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(timeout)
    assert not t.is_alive(), "the catalog load hung"
    return box["exc"]


# ---------------------------------------------------------------------------- the file format
def test_round_trip_and_zero_copy_arrays(tmp_path):
    path = _save(tmp_path)
    got = _load_toy(path)
    assert got["b"] == [1, 2, 3] and got["s"] == "x"
    arr = got["a"]
    assert arr.dtype == np.uint16 and arr.shape == (3, 4)
    assert np.array_equal(arr, np.arange(12).reshape(3, 4))
    assert not arr.flags.writeable and not arr.flags.owndata  # a view over the file's bytes
    h = got["_header"]
    assert h["family"] == "numeral" and h["builder_version"] == "7" and h["entries"] == 3
    assert h["params"] == {"k": 1} and h["build_seconds"] == 1.23 and h["format"] == 1
    assert h["library_version"] == hybrid.__version__
    assert len(h["payload_sha256"]) == 64


def test_loaded_once_per_process(tmp_path):
    path = _save(tmp_path)
    a = _load_toy(path)
    assert _load_toy(path) is a


def test_save_is_deterministic_and_keeps_build_time(tmp_path):
    p1 = _save(tmp_path)
    first = p1.read_bytes()
    # same payload, different insertion order and a different measured time: identical bytes
    save_catalog("numeral", "7", {"s": "x", "a": np.arange(12, dtype=np.uint16).reshape(3, 4), "b": [1, 2, 3]},
                 {"k": 1}, entries=3, build_seconds=9.9, directory=tmp_path)
    assert p1.read_bytes() == first
    # a changed payload records the new time
    save_catalog("numeral", "7", {"s": "y"}, {"k": 1}, entries=1, build_seconds=9.9, directory=tmp_path)
    assert read_header(p1)["build_seconds"] == 9.9


def test_save_takes_the_build_time_from_a_reference_file(tmp_path):
    ref = _save(tmp_path / "ref")
    out = save_catalog("numeral", "7", {"b": [1, 2, 3], "a": np.arange(12, dtype=np.uint16).reshape(3, 4), "s": "x"},
                       {"k": 1}, entries=3, build_seconds=5.0, directory=tmp_path / "out", reference=ref)
    assert out.read_bytes() == ref.read_bytes()
    other = save_catalog("numeral", "7", {"s": "changed"}, {"k": 1}, entries=3, build_seconds=5.0,
                         directory=tmp_path / "out2", reference=ref)
    assert read_header(other)["build_seconds"] == 5.0


def test_save_refuses_a_target_that_is_not_a_regular_file(tmp_path):
    (tmp_path / "numeral.msgpack").mkdir()
    with pytest.raises(CatalogError, match="directory"):
        _save(tmp_path)
    os.mkfifo(tmp_path / "cipher.msgpack")
    err = _in_thread(lambda: save_catalog("cipher", "1", {"s": "x"}, {}, 1, 0.0, directory=tmp_path))
    assert isinstance(err, CatalogError) and "FIFO" in str(err)
    assert not list(tmp_path.glob(".*.tmp"))


def test_checksum_mismatch_is_reported(tmp_path):
    path = _save(tmp_path)
    obj = msgpack.unpackb(path.read_bytes(), raw=False)
    blob = bytearray(obj["payload"])
    blob[-1] ^= 0xFF
    obj["payload"] = bytes(blob)
    path.write_bytes(msgpack.packb(obj, use_bin_type=True))
    with pytest.raises(CatalogError, match="checksum") as err:
        _load_toy(path)
    assert str(path) in str(err.value) and "build_catalog.py" in str(err.value)


def test_garbage_file_is_reported(tmp_path):
    path = tmp_path / "numeral.msgpack"
    path.write_bytes(b"\x00\x01not msgpack at all")
    with pytest.raises(CatalogError, match="corrupt"):
        _load_toy(path)


def test_stale_version_and_wrong_family(tmp_path):
    path = _save(tmp_path)
    with pytest.raises(CatalogError, match="stale"):
        _load_toy(path, version="8")
    with pytest.raises(CatalogError, match="holds family"):
        _load_toy(path, family="cipher")


def test_missing_file(tmp_path):
    with pytest.raises(CatalogError, match="missing"):
        _load_toy(tmp_path / "nope.msgpack")


def test_env_override_is_used(tmp_path, monkeypatch):
    monkeypatch.setenv("HYBRID_CATALOG_DIR", str(tmp_path))
    from hybrid.catalog import catalog_dir

    assert catalog_dir() == tmp_path
    with pytest.raises(CatalogError, match=str(tmp_path)):
        load_catalog("numeral")


@pytest.mark.parametrize("spec, expect", [
    (["O", [1], b"\0" * 8], "only plain numeric"),                 # object dtype
    (["i4,i4", [1], b"\0" * 8], "only plain numeric"),             # a record dtype
    (["(2,)i4", [1], b"\0" * 8], "only plain numeric"),            # a sub-array dtype
    (["not a dtype", [1], b"\0"], "invalid dtype"),
    (["<u2", [3], b"\0" * 4], "needs 6 bytes"),                    # shape larger than the bytes
    (["<u2", [-1], b"\0" * 4], "invalid shape"),
    (["<u2", [2 ** 62, 2 ** 62], b"\0" * 4], "needs"),
    (["<u2", [1] * 40, b"\0" * 2], "invalid shape"),
    (["<u2", [1]], "not \\[dtype, shape, bytes\\]"),
    ({"a": 1}, "not \\[dtype, shape, bytes\\]"),
])
def test_malformed_arrays_are_catalog_errors(tmp_path, spec, expect):
    blob = msgpack.packb({"a": msgpack.ExtType(1, msgpack.packb(spec, use_bin_type=True))}, use_bin_type=True)
    path = _write_raw(tmp_path / "numeral.msgpack", blob)
    with pytest.raises(CatalogError, match=expect) as err:
        _load_toy(path)
    assert str(path) in str(err.value)


@pytest.mark.parametrize("payload", [[1, 2, 3], "text", 7, None])
def test_a_payload_that_is_not_a_map_is_a_catalog_error(tmp_path, payload):
    path = _write_raw(tmp_path / "numeral.msgpack", msgpack.packb(payload))
    with pytest.raises(CatalogError, match="not a map"):
        _load_toy(path)


def test_decoding_is_bounded_in_objects(tmp_path, monkeypatch):
    # one list longer than MAX_CONTAINER_LEN: refused from its header, before it is allocated
    big = b"\x81\xa1a\xdd" + (catalog_mod.MAX_CONTAINER_LEN + 1).to_bytes(4, "big") + b"\x90" * 8
    path = _write_raw(tmp_path / "numeral.msgpack", big)
    with pytest.raises(CatalogError, match="max_array_len"):
        _load_toy(path)
    # many small containers: stopped once the whole file passes MAX_OBJECTS
    monkeypatch.setattr(catalog_mod, "MAX_OBJECTS", 1000)
    clear_cache()
    path = _write_raw(tmp_path / "numeral.msgpack", msgpack.packb({"a": [[[]] * 100 for _ in range(20)]}))
    with pytest.raises(CatalogError, match="MAX_OBJECTS"):
        _load_toy(path)


# ---------------------------------------------------------------------------- only regular files
def test_a_fifo_is_refused_without_blocking(tmp_path):
    path = tmp_path / "numeral.msgpack"
    os.mkfifo(path)
    err = _in_thread(lambda: _load_toy(path))
    assert isinstance(err, CatalogError) and "FIFO" in str(err) and str(path) in str(err)


def test_a_device_is_refused_without_reading(tmp_path):
    path = tmp_path / "numeral.msgpack"
    os.symlink("/dev/zero", path)
    err = _in_thread(lambda: _load_toy(path))
    assert isinstance(err, CatalogError) and "character device" in str(err) and str(path) in str(err)


def test_a_directory_and_a_symlink_loop_are_refused(tmp_path):
    (tmp_path / "numeral.msgpack").mkdir()
    with pytest.raises(CatalogError, match="a directory"):
        _load_toy(tmp_path / "numeral.msgpack")
    os.symlink(tmp_path / "b", tmp_path / "a")
    os.symlink(tmp_path / "a", tmp_path / "b")
    with pytest.raises(CatalogError, match="cannot be opened") as err:
        _load_toy(tmp_path / "a")
    assert str(tmp_path / "a") in str(err.value)
    (tmp_path / "file").write_bytes(b"x")
    with pytest.raises(CatalogError, match="not a directory"):
        _load_toy(tmp_path / "file" / "numeral.msgpack")


def test_a_symlink_to_a_regular_catalog_is_followed(tmp_path):
    real = _save(tmp_path / "real")
    link = tmp_path / "numeral.msgpack"
    os.symlink(real, link)
    assert _load_toy(link)["s"] == "x"


def test_oversize_files_are_refused_before_reading(tmp_path, monkeypatch):
    path = tmp_path / "numeral.msgpack"
    with open(path, "wb") as fh:  # sparse: takes no disk space
        fh.truncate(catalog_mod.MAX_CATALOG_BYTES + 1)
    opened = []
    real_fdopen = catalog_mod.os.fdopen
    monkeypatch.setattr(catalog_mod.os, "fdopen", lambda *a, **k: opened.append(1) or real_fdopen(*a, **k))
    with pytest.raises(CatalogError, match="over the limit") as err:
        _load_toy(path)
    assert f"has {catalog_mod.MAX_CATALOG_BYTES + 1} bytes" in str(err.value)
    assert str(path) in str(err.value) and "HYBRID_MAX_CATALOG_BYTES" in str(err.value)
    assert not opened  # refused from fstat, nothing read


def test_the_size_cap_can_be_set_by_environment(tmp_path, monkeypatch):
    path = _save(tmp_path)
    monkeypatch.setenv("HYBRID_MAX_CATALOG_BYTES", str(path.stat().st_size - 1))
    with pytest.raises(CatalogError, match="over the limit"):
        _load_toy(path)
    clear_cache()
    monkeypatch.setenv("HYBRID_MAX_CATALOG_BYTES", str(path.stat().st_size))
    assert _load_toy(path)["s"] == "x"
    clear_cache()
    monkeypatch.setenv("HYBRID_MAX_CATALOG_BYTES", "lots")
    with pytest.raises(CatalogError, match="HYBRID_MAX_CATALOG_BYTES"):
        _load_toy(path)


@pytest.mark.parametrize("kind", ["fifo", "file", "missing", "dev"])
def test_an_odd_catalog_dir_is_named(tmp_path, monkeypatch, kind):
    target = tmp_path / "cat"
    if kind == "fifo":
        os.mkfifo(target)
    elif kind == "file":
        target.write_bytes(b"x")
    elif kind == "dev":
        target = Path("/dev/zero")
    monkeypatch.setenv("HYBRID_CATALOG_DIR", str(target))
    err = _in_thread(lambda: load_catalog("numeral"))
    assert isinstance(err, CatalogError) and "HYBRID_CATALOG_DIR" in str(err) and str(target) in str(err)
    with pytest.raises(CatalogError, match="HYBRID_CATALOG_DIR"):
        hybrid.get_family("numeral").catalog()


# ---------------------------------------------------------------------------- failed loads are cached
def test_a_failed_load_is_cached_until_clear_cache(tmp_path, monkeypatch):
    path = _save(tmp_path)
    obj = msgpack.unpackb(path.read_bytes(), raw=False)
    obj["header"]["payload_sha256"] = "0" * 64
    path.write_bytes(msgpack.packb(obj, use_bin_type=True))
    reads, hashes = [], []
    real_read, real_sha = catalog_mod._read_regular, catalog_mod.hashlib.sha256
    monkeypatch.setattr(catalog_mod, "_read_regular", lambda p: reads.append(p) or real_read(p))
    monkeypatch.setattr(catalog_mod.hashlib, "sha256", lambda *a: hashes.append(1) or real_sha(*a))
    messages = []
    for _ in range(5):
        with pytest.raises(CatalogError, match="checksum") as err:
            _load_toy(path)
        messages.append(str(err.value))
    assert len(reads) == 1 and len(hashes) == 1 and len(set(messages)) == 1
    clear_cache()
    with pytest.raises(CatalogError, match="checksum"):
        _load_toy(path)
    assert len(reads) == 2


def test_saving_a_catalog_forgets_its_failure(tmp_path):
    path = tmp_path / "numeral.msgpack"
    with pytest.raises(CatalogError, match="missing"):
        _load_toy(path)
    _save(tmp_path)
    assert _load_toy(path)["s"] == "x"


def test_a_broken_family_catalog_is_read_once_across_solves(tmp_path, monkeypatch):
    (tmp_path / "numeral.msgpack").write_bytes(b"garbage")
    monkeypatch.setenv("HYBRID_CATALOG_DIR", str(tmp_path))
    reads = []
    real_read = catalog_mod._read_regular
    monkeypatch.setattr(catalog_mod, "_read_regular", lambda p: reads.append(p) or real_read(p))
    prompt = ("In Alice's Wonderland, numbers are secretly converted into a different numeral system. "
              "Some examples are given below:\n28 -> XXVIII\nNow, write the number 93 in the Wonderland numeral system.")
    for _ in range(3):
        with pytest.raises(CatalogError, match="corrupt"):
            hybrid.solve(prompt)
    assert len(reads) == 1


# ---------------------------------------------------------------------------- the schema language
def test_module_docstring_example():
    assert doctest.testmod(catalog_mod).failed == 0


def _err(payload, schema) -> str:
    with pytest.raises(CatalogError) as err:
        validate_payload(payload, schema)
    return str(err.value)


def test_fields_require_their_keys_and_refuse_others():
    s = Fields({"a": Int(), "b": Str()}, optional={"c": Int()})
    validate_payload({"a": 1, "b": "x"}, s)
    validate_payload({"a": 1, "b": "x", "c": 2}, s)
    assert "payload['b']: missing" in _err({"a": 1}, s)
    assert "payload['_cache']: unexpected key" in _err({"a": 1, "b": "x", "_cache": {}}, s)
    assert "payload['c']: expected an int, got str" in _err({"a": 1, "b": "x", "c": "2"}, s)
    assert "expected a map, got list" in _err([1], s)
    validate_payload({"a": 1, "b": "x", "zz": 0}, Fields({"a": Int(), "b": Str()}, extra=True))


def test_scalars():
    assert "expected an int, got bool" in _err({"a": True}, Fields({"a": Int()}))
    assert "expected a number, got bool" in _err({"a": False}, Fields({"a": Number()}))
    assert "finite" in _err({"a": float("nan")}, Fields({"a": Number()}))
    assert "in [0, 5]" in _err({"a": 6}, Fields({"a": Int(min=0, max=5)}))
    assert "in [0, 5]" in _err({"a": -0.5}, Fields({"a": Number(min=0, max=5)}))
    validate_payload({"a": 2.5, "b": 3}, Fields({"a": Number(min=0), "b": Number(min=0)}))
    assert "matching" in _err({"a": "Ab"}, Fields({"a": Str(pattern="[a-z]+")}))
    assert "1..1 characters" in _err({"a": "ab"}, Fields({"a": Str(min_len=1, max_len=1)}))


def test_lists_tuples_and_maps():
    s = Fields({"l": ListOf(Int(min=0), max_len=3, unique=True), "t": Tuple(Int(), Str()),
                "m": Map(Str(pattern="[a-z]"), Number(), required=("a",))})
    ok = {"l": [1, 2], "t": [1, "x"], "m": {"a": 1.0, "b": 2}}
    validate_payload(ok, s)
    assert "payload['l'][1]: expected a value in [0, ]" in _err({**ok, "l": [1, -2]}, s)
    assert "expected 0..3 items, got 4" in _err({**ok, "l": [1, 2, 3, 4]}, s)
    assert "distinct items" in _err({**ok, "l": [1, 1]}, s)
    assert "payload['t']: expected 2 items, got 3" in _err({**ok, "t": [1, "x", 2]}, s)
    assert "payload['t'][1]: expected a str" in _err({**ok, "t": [1, 2]}, s)
    assert "payload['m']['a']: missing" in _err({**ok, "m": {"b": 1}}, s)
    assert "payload['m'] key 'B'" in _err({**ok, "m": {"a": 1, "B": 1}}, s)
    assert "payload['m']['b']: expected a number" in _err({**ok, "m": {"a": 1, "b": "1"}}, s)
    assert "expected a str, got int" in _err({"l": ["x", 3]}, Fields({"l": ListOf(Str())}))


def test_arrays_dtypes_shapes_and_dimension_names():
    s = Fields({"t": Array("uint8", ("N", 4)), "p": Array("float64", ("N",)), "s": Array("int32", ("N+1",)),
                "names": ListOf(Str(), length="N")})
    ok = {"t": np.zeros((3, 4), np.uint8), "p": np.zeros(3), "s": np.arange(4, dtype=np.int32), "names": list("abc")}
    validate_payload(ok, s)
    assert "payload['t']: expected dtype uint8" in _err({**ok, "t": np.zeros((3, 4), np.int8)}, s)
    assert "expected 2 dimensions" in _err({**ok, "t": np.zeros(12, np.uint8)}, s)
    assert "expected 4 entries along axis 1" in _err({**ok, "t": np.zeros((3, 5), np.uint8)}, s)
    msg = _err({**ok, "p": np.zeros(2)}, s)
    assert "payload['p']: expected 3 entries along axis 0" in msg and "bound by payload['t']" in msg
    assert "expected 4 entries" in _err({**ok, "s": np.arange(3, dtype=np.int32)}, s)
    assert "payload['names']: expected 3 items" in _err({**ok, "names": list("ab")}, s)
    assert "expected a uint8[N, 4] array, got list" in _err({**ok, "t": [[0] * 4] * 3}, s)
    assert "C-contiguous" in _err({**ok, "t": np.zeros((4, 3), np.uint8).T}, s)
    big = np.dtype(">f8")
    assert "expected dtype float64" in _err({**ok, "p": np.zeros(3, dtype=big)}, s)


def test_array_value_bounds():
    s = Fields({"e": ListOf(Int(), length="E"),
                "rules": Array("uint8", (None, 3), max=[21, 21, 3]),
                "idx": Array("int32", (None,), min=0, max="E-1", sorted=True),
                "w": Array("float64", (None,), min=0)})
    ok = {"e": [0] * 5, "rules": np.array([[21, 0, 3], [0, 21, 1]], np.uint8),
          "idx": np.array([0, 2, 4], np.int32), "w": np.array([0.0, 1.5])}
    validate_payload(ok, s)
    assert "expected values <= [21, 21, 3], found 4 in column 2" in \
        _err({**ok, "rules": np.array([[0, 0, 4]], np.uint8)}, s)
    assert "found 22 in column 0" in _err({**ok, "rules": np.array([[22, 0, 0]], np.uint8)}, s)
    assert "expected values <= 4 (E-1), found 5" in _err({**ok, "idx": np.array([0, 5], np.int32)}, s)
    assert "expected values >= 0, found -1" in _err({**ok, "idx": np.array([-1, 0], np.int32)}, s)
    assert "non-decreasing" in _err({**ok, "idx": np.array([2, 1], np.int32)}, s)
    assert "finite" in _err({**ok, "w": np.array([np.nan])}, s)
    assert "finite" in _err({**ok, "w": np.array([np.inf])}, s)
    assert "found -1.0" in _err({**ok, "w": np.array([-1.0])}, s)
    validate_payload({**ok, "idx": np.zeros(0, np.int32), "w": np.zeros(0)}, s)


def test_checks_run_last_and_never_leak_their_exceptions():
    seen = []

    def rows_sum(p):
        seen.append(p["a"].shape)  # runs only after the declared shape held
        return None if int(p["a"].sum()) == 3 else f"sum is {int(p['a'].sum())}"

    s = Fields({"a": Array("int64", (3,))}, checks=[Check(rows_sum, "the rows sum to 3")])
    validate_payload({"a": np.array([1, 1, 1])}, s)
    assert "the rows sum to 3: sum is 4" in _err({"a": np.array([1, 2, 1])}, s)
    _err({"a": np.array([1, 2])}, s)
    assert seen == [(3,), (3,)]
    boom = Fields({"a": Int()}, checks=[Check(lambda p: p["zz"], "a key")])
    assert "the check failed (KeyError" in _err({"a": 1}, boom)
    assert "violates: positive" in _err({"a": -1}, Fields({"a": Int()}, checks=[Check(lambda p: p["a"] > 0, "positive")]))


def test_schema_errors_from_a_file_name_the_file_and_the_key(tmp_path):
    path = _save(tmp_path)
    schema = Fields({"a": Array("uint16", ("N", 4)), "b": ListOf(Int(), length="N"), "s": Str(pattern="y")})
    with pytest.raises(CatalogError) as err:
        load_catalog("numeral", builder_version="7", path=path, schema=schema)
    msg = str(err.value)
    assert str(path) in msg and "payload['s']" in msg and "matching 'y'" in msg and "build_catalog.py" in msg


def test_dict_shorthand_schema():
    s = catalog_mod.as_schema({"t": ("uint8", 2)})
    validate_payload({"t": np.zeros((2, 2), np.uint8), "other": 1}, s)
    assert "expected dtype uint8" in _err({"t": np.zeros((2, 2), np.int8)}, s)
    with pytest.raises(TypeError):
        catalog_mod.as_schema(["not", "a", "schema"])


# ---------------------------------------------------------------------------- the families' schemas
def test_every_family_with_a_catalog_declares_its_schema():
    for name in CATALOG_FAMILIES:
        fam = hybrid.get_family(name)
        if type(fam).__module__.startswith("hybrid.families."):
            assert fam.payload_schema is _schemas.SCHEMAS[name], name


@pytest.mark.parametrize("name", CATALOG_FAMILIES)
def test_shipped_catalogs_pass_their_schema(name):
    fam = hybrid.get_family(name)
    payload = fam.catalog()
    assert payload["_header"]["family"] == name
    if name in _schemas.SCHEMAS:
        validate_payload({k: v for k, v in payload.items() if not k.startswith("_")}, _schemas.SCHEMAS[name])


def test_schema_sizes_match_the_code():
    from hybrid.families.bit_manipulation.grammar import N_LIT
    from hybrid.families.cryptarithm import GLYPH_CLASSES
    from hybrid.families.cryptarithm.operations import MAXLEN, PAD, SIGN, VARIANTS
    from hybrid.families.cryptarithm.patterns import MAX_LETTERS

    assert _schemas.N_LITERALS == N_LIT
    assert _schemas.N_VARIANTS == len(VARIANTS)
    assert (_schemas.CRYPT_MAXLEN, _schemas.CRYPT_MAX_LETTERS) == (MAXLEN, MAX_LETTERS)
    assert _schemas.CRYPT_GLYPH_CLASSES == len(GLYPH_CLASSES)
    assert (_schemas.CRYPT_PAD, _schemas.CRYPT_SIGN) == (PAD, SIGN)


# ---------------------------------------------------------------------------- tampered real catalogs
DROP = object()


def _copy(obj):
    if isinstance(obj, dict):
        return {k: _copy(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_copy(v) for v in obj]
    return obj


def _set(payload, path, fn):
    out = _copy(payload)
    node = out
    for k in path[:-1]:
        node = node[k]
    new = fn(node[path[-1]])
    if new is DROP:
        del node[path[-1]]
    else:
        node[path[-1]] = new
    return out


def _other_dtype(arr):
    return {"u": np.int64, "i": np.float32, "f": np.float32 if arr.dtype != np.float32 else np.float64,
            "S": f"S{arr.dtype.itemsize + 1}", "b": np.uint8}[arr.dtype.kind]


def _mutations(value, path=()):
    """(path, kind, fn) for every node of a payload, walking the payload itself (not the schema).

    Long lists and maps are sampled (their first and last entries)."""
    if isinstance(value, dict):
        yield path, "unexpected", lambda d: {**d, "_planted": 1}
        keys = list(value)
        for k in keys if len(keys) <= 12 else keys[:2] + keys[-1:]:
            yield path + (k,), "drop", lambda v: DROP
            yield from _mutations(value[k], path + (k,))
    elif isinstance(value, list):
        if value:
            yield path + (0,), "drop", lambda v: DROP
            yield path + (0,), "wrong_type", lambda v: {"x": [1]}
            yield from _mutations(value[0], path + (0,))
            if len(value) > 1 and type(value[-1]) is not type(value[0]):
                yield from _mutations(value[-1], path + (len(value) - 1,))
    elif isinstance(value, np.ndarray):
        yield path, "wrong_type", lambda a: a.tolist()[:3]
        yield path, "dtype", lambda a: a.astype(_other_dtype(a))
        yield path, "rows-1", lambda a: a[:-1].copy()
        yield path, "rows+1", lambda a: np.concatenate([a, a[:1]])
        if value.ndim >= 2:
            yield path, "cols+1", lambda a: np.concatenate([a, a[..., :1]], axis=-1)
            yield path, "flatten", lambda a: a.reshape(-1).copy()
        else:
            yield path, "2d", lambda a: a.reshape(-1, 1).copy()
    elif isinstance(value, bool):
        yield path, "wrong_type", lambda v: "x"
    elif isinstance(value, (int, float)):
        yield path, "wrong_type", lambda v: "x"
        yield path, "negative", lambda v: -1 - v
        if isinstance(value, float):
            yield path, "nan", lambda v: float("nan")
    elif isinstance(value, str):
        yield path, "wrong_type", lambda v: 7


def _may_drop(name, path) -> bool:
    """Keys whose absence the family's code handles (it reads them with ``.get`` or not at all);
    every other drop must be refused. Read off the family code, independently of the schemas."""
    head = path[0]
    if name == "cryptarithm" and path == ("op_prior",):
        return True  # `index.get("op_prior")`: the family's own prior matrix is used instead
    if name == "cipher" and head == "slot_counts" and len(path) == 2:
        return True  # `slot_counts.get(key, 0)`
    if name == "bit_manipulation" and head == "amounts" and len(path) >= 2:
        return True  # not read when solving
    if head in ("prior", "op_prior") and len(path) >= 3:
        part = path[1]
        if part == "family_by_glyph":
            return True  # `fam.get(gclass, {})`, `row.get(family, 0.0)`
        if part == "variant" and (len(path) >= 4 or path[2] not in ("0", "1")):
            return True  # `var.get(f"{key}|{ctx}", var[key])`, `row.get(name, 0.0)`
    return False


def _may_drop_item(name, path) -> bool:
    """List items whose removal leaves a usable catalog (the list has no partner of equal length)."""
    return (name, path[0]) in {("numeral", "systems"), ("bit_manipulation", "shapes"),
                               ("bit_manipulation", "amounts"), ("cryptarithm", "glyph_pool")}


#: Values out of the range the family code indexes with (read off the code): every one must be
#: refused. (path, row index or None for "first element", new value)
OUT_OF_RANGE = {
    "bit_manipulation": [(("rules",), (0, 0), 22), (("rules",), (1, 1), 22), (("rules",), (2, 2), 255),
                         (("rules",), (3, 3), 4), (("prior",), (5,), np.nan), (("prior",), (6,), -1.0),
                         (("complexity",), (0,), -5)],
    "cryptarithm": [(("var",), (0,), 32), (("var",), (7,), -1), (("letters",), (0, 0), 10),
                    (("letters",), (1, 0), -1), (("letters",), (2, 7), 3), (("table",), (0, 1, 2, 0), 11),
                    (("table",), (3, 1, 2, 4), -2), (("a",), (0,), 100), (("b",), (4,), -1),
                    (("starts",), (-1,), 10**6), (("starts",), (5,), 0), (("starts",), (-1,), 5),
                    (("starts",), (0,), 1), (("prior",), (1, 1), -0.5), (("prior",), (2, 2), np.inf)],
    "alphametics": [(("residue_digits",), (3, 3), 1 << 10), (("residue_digits",), (1, 3), 1 << 4),
                    (("residue_digits",), (0, 0), 0)],
}


def _poke(index, value):
    def fn(a):
        a = a.copy()
        a[index] = value
        return a
    return fn


def _odd_values(name):
    yield from ((path, f"value {value!r} at {index}", _poke(index, value)) for path, index, value in
                OUT_OF_RANGE.get(name, []))
    if name == "cryptarithm":
        # a key using nine letters (entries hold eight); a key turned into a duplicate
        yield ("keys",), "nine-letter key", lambda ks: ["ABCD=EFGHI"] + ks[1:]
        yield ("keys",), "duplicate key", lambda ks: [ks[1]] + ks[1:]
        yield ("variants",), "variants of another code", lambda vs: [vs[1], vs[0]] + vs[2:]
        yield ("glyph_classes",), "other glyph classes", lambda gs: ["+", "*", "-"]
    if name == "cipher":
        yield ("words",), "upper-case word", lambda ws: ["Hello"] + ws[1:]
        yield ("words",), "duplicate word", lambda ws: [ws[1]] + ws[1:]
        yield ("slot_counts",), "malformed slot key", lambda d: {**d, "x:y": 1}
    if name == "numeral":
        yield ("systems",), "table starting at 0", lambda s: [{**s[0], "first": 0}]
        yield ("systems",), "no system", lambda s: []
    if name == "equation_numeric":
        yield ("operations",), "duplicate operation", lambda ops: [ops[1]] + ops[1:]


def _resign(directory, name, payload) -> Path:
    """Write ``payload`` as ``name``'s catalog with a correct checksum (what an attacker can do)."""
    directory.mkdir(parents=True, exist_ok=True)
    return _write_raw(directory / f"{name}.msgpack", catalog_mod.pack_payload(payload), family=name,
                      version=hybrid.get_family(name).builder_version)


def _tasks_of(name, dev_by_family, n=3):
    from .conftest import sample_rows_of

    rows = sample_rows_of(dev_by_family, name, n, seed=7)
    if rows:
        return [hybrid.parse(r.prompt) for r in rows]
    fam = hybrid.get_family(name)
    return [fam.generate(random.Random(f"tamper{i}")).task for i in range(n)]


@pytest.mark.parametrize("name", sorted(_schemas.SCHEMAS))
def test_tampered_real_catalogs_are_refused_or_harmless(name, tmp_path, monkeypatch, dev_by_family):
    """Every key of the real catalog, tampered and re-signed: dropped, retyped, re-dtyped,
    reshaped, and (for arrays the code indexes with) set out of range. A load either raises
    ``CatalogError`` naming the file, or (only for tampering the family code tolerates) gives a
    catalog the family solves with, never a KeyError / IndexError / crash.

    Tampering at depth <= 2 (every top-level key and array, and their entries) goes through a
    re-signed file and ``load_catalog``; deeper entries (inside the priors) are checked with
    ``validate_payload``, the check ``load_catalog`` runs on the decoded payload, and tolerated
    ones go through a file again."""
    real = {k: v for k, v in load_catalog(name, schema=None).items() if k != "_header"}
    clear_cache()
    cases = [(path, kind, fn) for path, kind, fn in _mutations(real) if path or kind == "unexpected"]
    cases += list(_odd_values(name))
    assert len(cases) >= 10
    tolerated, refused = [], 0
    for path, kind, fn in cases:
        tampered = _set(real, path, fn) if path else fn(_copy(real))
        try:
            if len(path) <= 2:
                file = _resign(tmp_path, name, tampered)
                try:
                    load_catalog(name, path=file, schema=_schemas.SCHEMAS[name])
                finally:
                    clear_cache()
            else:
                file = "payload"
                validate_payload(tampered, _schemas.SCHEMAS[name])
        except CatalogError as err:
            assert str(file) in str(err), (path, kind, str(err))
            refused += 1
            continue
        if kind == "drop":
            allowed = _may_drop(name, path) or (isinstance(path[-1], int) and _may_drop_item(name, path[:-1]))
        else:  # a new entry in a map the code reads with `.get` (a prior row): only re-weights
            allowed = kind == "unexpected" and bool(path) and _may_drop(name, path + ("_planted",))
        assert allowed, f"{name}: tampering {kind} at {path} was accepted"
        tolerated.append((path, kind, tampered))
    assert refused >= len(cases) - len(tolerated) and refused > 0
    # what was accepted must be harmless: the family solves with it (any exception other than a
    # HybridError would come out of solve as InternalError)
    tasks = _tasks_of(name, dev_by_family)
    home = tmp_path / "home"
    monkeypatch.setenv("HYBRID_CATALOG_DIR", str(home))
    for path, kind, tampered in tolerated:
        _resign(home, name, tampered)
        clear_cache()
        for task in tasks:
            try:
                hybrid.solve(task, time_limit=2.0)
            except hybrid.InternalError as exc:
                raise AssertionError(f"{name}: with {kind} at {path} accepted, solve failed: {exc}") from None
    clear_cache()


# ---------------------------------------------------------------------------- building
def test_committed_catalogs_load_and_match_their_builders():
    for name in hybrid.FAMILY_NAMES:
        fam = hybrid.get_family(name)
        if fam.has_catalog:
            payload = fam.catalog()
            assert payload["_header"]["family"] == name


def test_build_catalog_script_is_byte_identical(tmp_path, dev_rows):
    """`python build_catalog.py --out DIR` reproduces the committed files byte for byte (the cheap
    catalogs; a rebuild into an empty directory keeps the committed build time), and so does a
    second run into the same directory."""
    cheap = ["numeral", "cipher", "alphametics"]
    args = [sys.executable, str(ROOT / "build_catalog.py"), "--out", str(tmp_path), "--no-progress"]
    for f in cheap:
        args += ["--family", f]
    subprocess.run(args, check=True, capture_output=True)
    first = {f: (tmp_path / f"{f}.msgpack").read_bytes() for f in cheap}
    subprocess.run(args, check=True, capture_output=True)
    for f in cheap:
        again = (tmp_path / f"{f}.msgpack").read_bytes()
        assert again == first[f]
        committed = ROOT / "catalog" / f"{f}.msgpack"
        assert again == committed.read_bytes(), f"{f}: the rebuild differs from the committed catalog"
        assert hashlib.sha256(again).hexdigest()
