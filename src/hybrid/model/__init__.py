"""Model-side tools: an LM recaller, recall+verification traces, LoRA training, the recall report.

Only ``render``, ``traces``, ``split``, ``answers``, ``grammar`` and ``grade`` import without torch; ``recaller``, ``train`` and the
LM half of ``report`` need the model extra (``pip install 'hybrid[model]'``). Importing this
package never imports torch, so the core library stays light.
"""

from __future__ import annotations

__all__ = ["LMRecaller", "export_traces", "verify_trace", "grade"]


def __getattr__(name):
    # Lazy so that ``import hybrid.model`` works without torch; the error names the extra.
    if name == "LMRecaller":
        from .recaller import LMRecaller

        return LMRecaller
    if name == "grade":
        from .grade import grade

        return grade
    if name in ("export_traces", "verify_trace"):
        from . import traces

        return getattr(traces, name)
    raise AttributeError(name)
