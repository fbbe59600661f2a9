"""Code shared by the two equation families, ``equation_numeric`` and ``cryptarithm``.

They come from one generator (a cryptarithm row is a numeric row whose digits hide behind
glyphs), so they share the line format, the operation set and the operator prior. Neither family
imports the other; both import this package:

* ``operations``: the operation variants (add, sub, mul, concat, ... with reading direction, sign
  side and +-1 offsets) and how the generator prints a result;
* ``lines``: the ``AB?CD = result`` line format;
* ``model``: the operator -> operation prior (roles, glyph classes, row structure) and its fit;
* ``prior``: learning that prior from one family's rows or pooled with the other's.
"""
