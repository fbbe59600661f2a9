import hashlib
import subprocess
import sys
from pathlib import Path

import msgpack
import numpy as np
import pytest

import hybrid
from hybrid import CatalogError
from hybrid.catalog import clear_cache, load_catalog, read_header, save_catalog

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _fresh_cache():
    clear_cache()
    yield
    clear_cache()


def _save(tmp_path, payload=None, version="7"):
    payload = payload or {"b": [1, 2, 3], "a": np.arange(12, dtype=np.uint16).reshape(3, 4), "s": "x"}
    return save_catalog("numeral", version, payload, {"k": 1}, entries=3, build_seconds=1.234, directory=tmp_path)


def test_round_trip_and_zero_copy_arrays(tmp_path):
    path = _save(tmp_path)
    got = load_catalog("numeral", builder_version="7", path=path)
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
    a = load_catalog("numeral", builder_version="7", path=path)
    assert load_catalog("numeral", builder_version="7", path=path) is a


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


def test_checksum_mismatch_is_reported(tmp_path):
    path = _save(tmp_path)
    obj = msgpack.unpackb(path.read_bytes(), raw=False)
    blob = bytearray(obj["payload"])
    blob[-1] ^= 0xFF
    obj["payload"] = bytes(blob)
    path.write_bytes(msgpack.packb(obj, use_bin_type=True))
    with pytest.raises(CatalogError, match="checksum") as err:
        load_catalog("numeral", builder_version="7", path=path)
    assert str(path) in str(err.value) and "build_catalog.py" in str(err.value)


def test_garbage_file_is_reported(tmp_path):
    path = tmp_path / "numeral.msgpack"
    path.write_bytes(b"\x00\x01not msgpack at all")
    with pytest.raises(CatalogError, match="corrupt"):
        load_catalog("numeral", builder_version="7", path=path)


def test_stale_version_and_wrong_family(tmp_path):
    path = _save(tmp_path)
    with pytest.raises(CatalogError, match="stale"):
        load_catalog("numeral", builder_version="8", path=path)
    with pytest.raises(CatalogError, match="holds family"):
        load_catalog("cipher", builder_version="7", path=path)


def test_missing_file(tmp_path):
    with pytest.raises(CatalogError, match="missing"):
        load_catalog("numeral", builder_version="7", path=tmp_path / "nope.msgpack")


def test_env_override_is_used(tmp_path, monkeypatch):
    monkeypatch.setenv("HYBRID_CATALOG_DIR", str(tmp_path))
    from hybrid.catalog import catalog_dir

    assert catalog_dir() == tmp_path
    with pytest.raises(CatalogError, match=str(tmp_path)):
        load_catalog("numeral")


def test_committed_catalogs_load_and_match_their_builders():
    for name in hybrid.FAMILY_NAMES:
        fam = hybrid.get_family(name)
        if fam.has_catalog:
            payload = fam.catalog()
            assert payload["_header"]["family"] == name


def test_build_catalog_script_is_byte_identical(tmp_path, dev_rows):
    """`python build_catalog.py` twice gives identical bytes for the cheap catalogs, and the same as committed."""
    cheap = ["numeral", "cipher"]
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
        # payloads equal the committed ones (headers may differ only in the measured build time)
        assert read_header(tmp_path / f"{f}.msgpack")["payload_sha256"] == read_header(committed)["payload_sha256"]
        assert hashlib.sha256(again).hexdigest()
