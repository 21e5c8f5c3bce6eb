"""Time ranges cut into windows that do not overlap (13-digit millisecond timestamps).

The change log takes at most 7 days per call; its records carry no id, so windows that shared an
edge would return the records at that edge twice with nothing to tell them apart. Bounds are
treated as inclusive (the specs do not say otherwise): a window ends one millisecond before the
next one starts.
"""

from __future__ import annotations

from .._text import shown
from ..errors import MeegleValidationError

__all__ = ["DAY_MS", "MAX_TIMESTAMP_MS", "MIN_TIMESTAMP_MS", "check_ms", "fixed_windows"]

DAY_MS = 24 * 60 * 60 * 1000
#: The smallest and largest 13-digit millisecond timestamps (2001-09-09 to 2286-11-20).
MIN_TIMESTAMP_MS = 1_000_000_000_000
MAX_TIMESTAMP_MS = 9_999_999_999_999


def check_ms(value: object, name: str) -> int:
    """A 13-digit millisecond timestamp (an ``int``); a 10-digit one gets a "seconds?" hint."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise MeegleValidationError(
            f"{name} must be an int timestamp in 13-digit milliseconds, not {type(value).__name__}"
        )
    if not MIN_TIMESTAMP_MS <= value <= MAX_TIMESTAMP_MS:
        hint = " (seconds? multiply by 1000)" if 10**9 <= value < 10**10 else ""
        raise MeegleValidationError(
            f"{name}: {shown(value)} is not a 13-digit millisecond timestamp{hint}"
        )
    return value


def fixed_windows(start_ms: int, end_ms: int, span_ms: int) -> list[tuple[int, int]]:
    """``[start_ms, end_ms]`` as inclusive windows ``(a, b)`` with ``b - a <= span_ms``, in order.

    Example::

        fixed_windows(0, 10, 4)  # [(0, 4), (5, 9), (10, 10)]
    """
    if span_ms < 1:
        raise ValueError("span_ms must be >= 1")
    if end_ms < start_ms:
        raise ValueError("end_ms must not be before start_ms")
    windows = []
    lo = start_ms
    while lo <= end_ms:
        hi = min(end_ms, lo + span_ms)
        windows.append((lo, hi))
        lo = hi + 1
    return windows
