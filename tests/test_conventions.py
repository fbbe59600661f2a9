"""Project conventions, checked over the whole package (issue 12):

* every public name (module-level function or class, and the public methods of public classes)
  has a docstring, its own or the one it overrides;
* the module doctests pass (every module of ``hybrid`` is collected here, so a doctest added
  anywhere runs without registering it);
* no module imports a private name (``_x``) from another family's package, and the two equation
  families do not import each other (their shared code lives in ``families/equations``).
"""

from __future__ import annotations

import ast
import doctest
import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest

import hybrid

SRC = Path(hybrid.__file__).resolve().parent
#: Modules whose import needs an optional extra that CI may lack.
OPTIONAL = {"hybrid.engine.ray_engine": "ray"}


def _modules() -> list[str]:
    names = ["hybrid"]
    for info in pkgutil.walk_packages(hybrid.__path__, "hybrid."):
        names.append(info.name)
    return sorted(names)


def _import(name: str):
    need = OPTIONAL.get(name)
    if need:
        pytest.importorskip(need)
    return importlib.import_module(name)


def _public_members(mod):
    for name, obj in vars(mod).items():
        if name.startswith("_") or getattr(obj, "__module__", None) != mod.__name__:
            continue
        if inspect.isfunction(obj):
            yield name, obj
        elif inspect.isclass(obj):
            yield name, obj
            for mname, member in vars(obj).items():
                if mname.startswith("_"):
                    continue
                if isinstance(member, (staticmethod, classmethod)):
                    member = member.__func__
                if inspect.isfunction(member) or isinstance(member, property):
                    yield f"{name}.{mname}", getattr(obj, mname, member)


def test_every_public_name_has_a_docstring():
    missing = []
    for modname in _modules():
        if modname.split(".")[-1].startswith("_") and modname.split(".")[-1] != "__main__":
            continue
        mod = _import(modname)
        if not (mod.__doc__ or "").strip():
            missing.append(f"{modname} (module)")
        for name, obj in _public_members(mod):
            doc = inspect.getdoc(obj) if not isinstance(obj, property) else obj.__doc__
            if not (doc or "").strip():
                missing.append(f"{modname}.{name}")
    assert missing == [], f"{len(missing)} public names without a docstring:\n" + "\n".join(missing)


@pytest.mark.parametrize("modname", [m for m in _modules() if m != "hybrid.__main__"])
def test_module_doctests(modname):
    mod = _import(modname)
    res = doctest.testmod(mod, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert res.failed == 0, f"{res.failed} doctest failures in {modname}"


def test_some_modules_carry_doctests():
    with_examples = [m for m in _modules() if m != "hybrid.__main__"
                     and doctest.DocTestFinder().find(_import(m))
                     and any(t.examples for t in doctest.DocTestFinder().find(_import(m)))]
    assert len(with_examples) >= 10, with_examples


def _family_of(path: Path) -> str | None:
    parts = path.relative_to(SRC / "families").parts
    return parts[0] if len(parts) > 1 else None


def test_no_module_imports_a_private_name_from_another_family():
    families = {p.name for p in (SRC / "families").iterdir() if (p / "__init__.py").is_file()}
    offences = []
    for path in (SRC / "families").rglob("*.py"):
        own = _family_of(path)
        pkg = ["hybrid", "families", *path.relative_to(SRC / "families").parts[:-1]]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom):
                continue
            base = pkg[:len(pkg) - (node.level - 1)] if node.level else []
            full = ".".join(base + ([node.module] if node.module else [])) if node.level else node.module or ""
            parts = full.split(".")
            if len(parts) < 3 or parts[:2] != ["hybrid", "families"] or parts[2] not in families:
                continue
            target = parts[2]
            if target == own:
                continue
            private = [a.name for a in node.names if a.name.startswith("_")]
            private += [p for p in parts[3:] if p.startswith("_")]
            if private:
                offences.append(f"{path.relative_to(SRC)} imports {private} from {full}")
            if {own, target} == {"equation_numeric", "cryptarithm"}:
                offences.append(f"{path.relative_to(SRC)} imports {full}: the equation families share "
                                "code through families/equations, not each other")
    assert offences == [], "\n".join(offences)
