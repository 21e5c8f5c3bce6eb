"""Small text checks shared by every layer (this module imports nothing of meegle_async)."""

from __future__ import annotations

import reprlib

__all__ = ["is_digits", "is_signed_digits", "shown"]

_SHOW = reprlib.Repr()
_SHOW.maxlevel = 3
_SHOW.maxstring = 60
_SHOW.maxother = 60
_SHOW.maxlist = _SHOW.maxdict = _SHOW.maxset = _SHOW.maxtuple = 5


def is_digits(text: str) -> bool:
    """``text`` is one or more ASCII digits: ``int(text)`` cannot fail (``"²".isdigit()`` is
    true, but ``int("²")`` raises)."""
    return text.isascii() and text.isdigit()


def is_signed_digits(text: str) -> bool:
    """``text`` is ASCII digits with an optional leading minus sign."""
    return is_digits(text[1:] if text.startswith("-") else text)


def shown(value: object) -> str:
    """``repr(value)`` cut short: safe for a 1 MB string or a structure 5000 levels deep."""
    try:
        return _SHOW.repr(value)
    except Exception:  # a broken __repr__ must not hide the validation error
        return f"<{type(value).__name__}>"
