"""The library's error types. Every error a user can trigger is a ``HybridError``."""

from __future__ import annotations

__all__ = [
    "HybridError",
    "TaskParseError",
    "UnsupportedTaskError",
    "CatalogError",
    "UnknownFamilyError",
    "InternalError",
    "InputLimitError",
    "RegistryError",
]


class HybridError(ValueError):
    """Base class of every error raised on purpose by ``hybrid``."""


class TaskParseError(HybridError):
    """A prompt or example line is malformed.

    ``line`` is the 1-based line number inside the prompt when known, and ``text`` the offending line.
    """

    def __init__(self, message: str, *, line: int | None = None, text: str | None = None):
        where = f"line {line}: " if line is not None else ""
        shown = f" (got {text!r})" if text is not None else ""
        super().__init__(f"{where}{message}{shown}")
        self.line = line
        self.text = text


class InputLimitError(TaskParseError):
    """A task is past one of the documented input limits (examples per task, digits per number,
    characters per prompt...). The message names the limit and its value."""


class UnsupportedTaskError(HybridError):
    """The prompt does not match any known puzzle template."""


class CatalogError(HybridError):
    """A catalog file is missing, corrupt or stale."""


class UnknownFamilyError(HybridError):
    """A family name is not registered."""


class InternalError(HybridError):
    """An unexpected exception inside ``solve`` (a bug, not bad input), wrapped so that one task
    never aborts a batch. ``original_type`` and ``original_message`` keep what was raised."""

    def __init__(self, message: str, *, original_type: str = "", original_message: str = ""):
        super().__init__(message)
        self.original_type = original_type
        self.original_message = original_message


class RegistryError(HybridError):
    """A family cannot be registered: invalid name, not a ``Family``, or a name already taken."""
