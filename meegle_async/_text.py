"""Small text checks shared by every layer (this module imports nothing of meegle_async)."""

from __future__ import annotations

__all__ = ["is_digits", "is_signed_digits"]


def is_digits(text: str) -> bool:
    """``text`` is one or more ASCII digits: ``int(text)`` cannot fail (``"²".isdigit()`` is
    true, but ``int("²")`` raises)."""
    return text.isascii() and text.isdigit()


def is_signed_digits(text: str) -> bool:
    """``text`` is ASCII digits with an optional leading minus sign."""
    return is_digits(text[1:] if text.startswith("-") else text)
