"""Family registry. Each family module registers itself with ``@register_family``."""

from __future__ import annotations

import importlib
import re

from ..errors import UnknownFamilyError
from .base import Family, Hypothesis

__all__ = ["Family", "Hypothesis", "register_family", "get_family", "family_names", "FAMILY_NAMES"]

#: The seven families, in the order reports list them.
FAMILY_NAMES = (
    "numeral",
    "unit_conversion",
    "gravity",
    "cipher",
    "bit_manipulation",
    "equation_numeric",
    "cryptarithm",
)
# Module that defines each family (imported lazily so heavy kernels load only when used).
_MODULES = {
    "numeral": "numeral",
    "unit_conversion": "unit_conversion",
    "gravity": "gravity",
    "cipher": "cipher",
    "bit_manipulation": "bit_manipulation",
    "equation_numeric": "equation_numeric",
    "cryptarithm": "cryptarithm",
}
_REGISTRY: dict[str, Family] = {}
_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")


def register_family(cls):
    """Class decorator: instantiate and register a family, rejecting bad or duplicate names."""
    name = getattr(cls, "name", "")
    if not isinstance(name, str) or not _NAME_RE.match(name):
        raise UnknownFamilyError(f"family class {cls.__name__} has an invalid name {name!r}")
    if not issubclass(cls, Family):
        raise TypeError(f"{cls.__name__} must subclass hybrid.families.Family")
    if name in _REGISTRY and type(_REGISTRY[name]) is not cls:
        raise UnknownFamilyError(f"family {name!r} is already registered by {type(_REGISTRY[name]).__name__}")
    _REGISTRY[name] = cls()
    return cls


def get_family(name: str) -> Family:
    """Return the registered family called ``name``."""
    if name not in _REGISTRY:
        module = _MODULES.get(name)
        if module is None:
            raise UnknownFamilyError(
                f"unknown family {name!r}; expected one of: {', '.join(FAMILY_NAMES)}"
            )
        importlib.import_module(f"{__name__}.{module}")
    return _REGISTRY[name]


def family_names() -> tuple[str, ...]:
    return FAMILY_NAMES
