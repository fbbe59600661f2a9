"""Re-export of the shared equation operation set (``hybrid.families.equations.operations``).

Kept so that ``equation_numeric.operations`` imports (tests, benchmarks) stay valid; the one
definition lives in ``equations.operations`` and is also what the cryptarithm family is built from.
"""

from ..equations.operations import BASES, BY_NAME, FAMILIES, OPERATIONS, Operation, format_result, operation

__all__ = ["Operation", "OPERATIONS", "BY_NAME", "BASES", "FAMILIES", "format_result", "operation"]
