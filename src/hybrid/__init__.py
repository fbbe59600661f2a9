"""hybrid: search-shaped puzzles solved by catalog recall plus cheap verification, with CP-SAT
search as the fallback.

>>> import hybrid
>>> hybrid.solve(hybrid.Task.from_pairs("numeral", [("4", "IV")], "9")).answer
'IX'
"""

from __future__ import annotations

__version__ = "0.1.0"

from .deadline import Deadline, TimeLimitReached
from .errors import (
    CatalogError,
    HybridError,
    InputLimitError,
    InternalError,
    RegistryError,
    TaskParseError,
    UnknownFamilyError,
    UnsupportedTaskError,
)
from .families import FAMILY_NAMES, Family, Hypothesis, family_names, get_family, register_family
from .families.base import Puzzle, SearchResult
from .generate import generate
from .model.grade import grade
from .parse import parse
from .pipeline import solve, solve_many
from .recall import PriorRecaller, Recaller
from .solution import Solution
from .task import Example, Task

__all__ = [
    "__version__",
    "solve",
    "solve_many",
    "parse",
    "Task",
    "Example",
    "Solution",
    "Hypothesis",
    "Family",
    "Recaller",
    "PriorRecaller",
    "register_family",
    "get_family",
    "FAMILY_NAMES",
    "HybridError",
    "TaskParseError",
    "UnsupportedTaskError",
    "CatalogError",
    "UnknownFamilyError",
    "InternalError",
    "InputLimitError",
    "RegistryError",
    "family_names",
    "TimeLimitReached",
    "Deadline",
    "SearchResult",
    "Puzzle",
    "generate",
    "grade",
]
