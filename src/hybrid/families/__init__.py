"""The family registry: one ordered list of families, from which every other list is derived.

Families come from three places, in this order:

1. the built-in families of this package (``BUILTIN_FAMILIES``; each module is imported lazily,
   the first time the family is used);
2. third-party packages that declare an entry point in the ``hybrid.families`` group, whose value
   is a ``Family`` subclass (``"mypkg.family:MyFamily"``) or a module that registers one; they
   are loaded the first time a list of families is needed or an unknown name is asked for;
3. ``hybrid.register_family(MyFamily)`` (also usable as a class decorator) at run time.

A name may be registered once: registering a second class under a taken name (a built-in
included) raises ``RegistryError``. ``family_names()`` gives every name in registry order; CLI
choices, error messages, prompt recognition (``hybrid.parse``), catalog builds, evaluation reports
and benchmarks all read it.

>>> "numeral" in family_names()
True
>>> get_family("numeral").name
'numeral'
"""

from __future__ import annotations

import importlib
import re
import threading
from importlib.metadata import entry_points

from ..errors import RegistryError, UnknownFamilyError
from .base import Family, Hypothesis, SearchResult

__all__ = [
    "Family",
    "Hypothesis",
    "SearchResult",
    "register_family",
    "unregister_family",
    "get_family",
    "family_names",
    "builtin_names",
    "load_plugins",
    "FAMILY_NAMES",
    "BUILTIN_FAMILIES",
    "ENTRY_POINT_GROUP",
]

#: The entry-point group third-party packages register their families under.
ENTRY_POINT_GROUP = "hybrid.families"

#: Built-in families, in the order reports list them, and the module defining each (imported
#: lazily so heavy kernels load only when used).
BUILTIN_FAMILIES: dict[str, str] = {
    "numeral": "numeral",
    "unit_conversion": "unit_conversion",
    "gravity": "gravity",
    "cipher": "cipher",
    "bit_manipulation": "bit_manipulation",
    "equation_numeric": "equation_numeric",
    "cryptarithm": "cryptarithm",
    "alphametics": "alphametics",
}
#: The seven built-in families of the Wonderland data (kept for compatibility; use
#: ``family_names()`` for every registered family, plug-ins included).
FAMILY_NAMES = tuple(n for n in BUILTIN_FAMILIES if n != "alphametics")

_REGISTRY: dict[str, Family] = {}
_SOURCES: dict[str, str] = {}  # name -> "builtin" | "entry point <ep>" | "register_family"
_PLUGINS_LOADED = False
_PLUGIN_ERRORS: dict[str, str] = {}
_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_lock = threading.RLock()


def _check_class(cls) -> str:
    if not isinstance(cls, type) or not issubclass(cls, Family):
        raise RegistryError(f"{getattr(cls, '__name__', cls)!r} must be a subclass of hybrid.Family")
    name = getattr(cls, "name", "")
    if not isinstance(name, str) or not _NAME_RE.match(name):
        raise RegistryError(f"family class {cls.__name__} has an invalid name {name!r} "
                            "(lower-case letters, digits and '_', starting with a letter)")
    return name


def register_family(cls=None, *, source: str = "register_family"):
    """Register a ``Family`` subclass (an instance is created once). Usable as a decorator.

    Raises ``RegistryError`` when the name is invalid or already taken by another class,
    a built-in included. Registering the same class twice is a no-op.
    """
    if cls is None:
        return lambda c: register_family(c, source=source)
    name = _check_class(cls)
    with _lock:
        current = _REGISTRY.get(name)
        if current is not None:
            if type(current) is cls:
                return cls
            raise RegistryError(f"family {name!r} is already registered by {type(current).__module__}."
                                f"{type(current).__name__} ({_SOURCES.get(name, '?')}); choose another name")
        if name in BUILTIN_FAMILIES and not cls.__module__.startswith(__name__ + "."):
            raise RegistryError(f"family {name!r} is a built-in family's name; choose another name")
        _REGISTRY[name] = cls()
        _SOURCES[name] = "builtin" if cls.__module__.startswith(__name__ + ".") else source
    return cls


def unregister_family(name: str) -> None:
    """Remove a family registered at run time (tests use this); built-ins cannot be removed."""
    with _lock:
        if _SOURCES.get(name) == "builtin":
            raise RegistryError(f"family {name!r} is built in and cannot be unregistered")
        _REGISTRY.pop(name, None)
        _SOURCES.pop(name, None)


def load_plugins(reload: bool = False) -> dict[str, str]:
    """Load the families declared under the ``hybrid.families`` entry-point group (once).

    Returns ``{entry point name: error}`` for plug-ins that failed to load; a broken plug-in never
    breaks the built-in families.
    """
    global _PLUGINS_LOADED
    with _lock:
        if _PLUGINS_LOADED and not reload:
            return dict(_PLUGIN_ERRORS)
        _PLUGINS_LOADED = True
        try:
            eps = list(entry_points(group=ENTRY_POINT_GROUP))
        except Exception as exc:  # noqa: BLE001 - broken metadata must not break the library
            _PLUGIN_ERRORS["<entry points>"] = f"{type(exc).__name__}: {exc}"
            return dict(_PLUGIN_ERRORS)
        for ep in sorted(eps, key=lambda e: e.name):
            try:
                obj = ep.load()
                if isinstance(obj, type):
                    register_family(obj, source=f"entry point {ep.value}")
            except Exception as exc:  # noqa: BLE001 - reported, and named by get_family's error
                _PLUGIN_ERRORS[ep.name] = f"{type(exc).__name__}: {exc}"
        return dict(_PLUGIN_ERRORS)


def _load_builtin(name: str) -> None:
    importlib.import_module(f"{__name__}.{BUILTIN_FAMILIES[name]}")


def get_family(name: str) -> Family:
    """Return the registered family called ``name`` (loading built-ins and plug-ins on demand)."""
    if not isinstance(name, str):
        raise UnknownFamilyError(f"family name must be a string, got {type(name).__name__}")
    fam = _REGISTRY.get(name)
    if fam is not None:
        return fam
    if name in BUILTIN_FAMILIES:
        _load_builtin(name)
        return _REGISTRY[name]
    load_plugins()
    fam = _REGISTRY.get(name)
    if fam is None:
        broken = f" (plug-ins that failed to load: {', '.join(sorted(_PLUGIN_ERRORS))})" if _PLUGIN_ERRORS else ""
        raise UnknownFamilyError(f"unknown family {name!r}; expected one of: {', '.join(family_names())}{broken}")
    return fam


def builtin_names() -> tuple[str, ...]:
    """The built-in family names, in report order."""
    return tuple(BUILTIN_FAMILIES)


def family_names() -> tuple[str, ...]:
    """Every family name, in registry order: built-ins first, then plug-ins and run-time families."""
    load_plugins()
    extra = [n for n in _REGISTRY if n not in BUILTIN_FAMILIES]
    return (*BUILTIN_FAMILIES, *extra)


def families() -> list[Family]:
    """Every registered family object, in registry order (imports every built-in)."""
    return [get_family(n) for n in family_names()]
