"""Re-export of the shared equation operation set (``hybrid.families._equation_ops``).

Kept so that ``equation_numeric.operations`` imports (tests, benchmarks) stay valid; the one
definition lives in ``_equation_ops`` and is also what the cryptarithm family is built from.
"""

from .._equation_ops import BASES, BY_NAME, FAMILIES, OPERATIONS, Operation, format_result, operation

__all__ = ["Operation", "OPERATIONS", "BY_NAME", "BASES", "FAMILIES", "format_result", "operation"]
