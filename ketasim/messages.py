"""Showing user input in one-line error messages.

Config values come from YAML and the command line and can be anything:
integers too long to print, strings with newlines, lists nested thousands
deep or (through YAML aliases) sharing children exponentially. Messages show
them with :func:`describe`, which is bounded in time and length and never
raises, and :func:`one_line` escapes whatever would break the line.
"""

from __future__ import annotations

import reprlib
from typing import Any

__all__ = ["describe", "one_line"]


class _Repr(reprlib.Repr):
    def __init__(self) -> None:
        super().__init__()
        self.maxlevel, self.maxlist, self.maxtuple, self.maxset, self.maxfrozenset = 2, 5, 5, 5, 5
        self.maxdict, self.maxstring, self.maxother, self.maxlong = 5, 60, 60, 40

    def repr_int(self, x: int, level: int) -> str:
        try:
            return super().repr_int(x, level)
        except ValueError:  # more digits than sys.get_int_max_str_digits() allows to print
            return f"<a whole number of about {int(x.bit_length() * 0.30103) + 1} digits>"

    def repr_str(self, x: str, level: int) -> str:
        return repr(x) if len(x) <= self.maxstring else super().repr_str(x, level)


_REPR = _Repr()
MAX_SHOWN = 120  # characters of a value shown in a message


def describe(value: Any) -> str:
    """``repr(value)`` for an error message: short, on one line, and never raising."""
    try:
        text = _REPR.repr(value)
    except Exception:
        return f"<{type(value).__name__}>"
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 3] + "..."


def one_line(text: str) -> str:
    """``text`` with line breaks and other unprintable characters escaped (``\\n``, ``\\x00``, ...)."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape", "backslashreplace").decode("ascii")
                   for ch in text)
