"""Time ranges cut into windows that do not overlap (13-digit millisecond timestamps).

The change log takes at most 7 days per call; its records carry no id, so windows that shared an
edge would return the records at that edge twice with nothing to tell them apart. Bounds are
treated as inclusive (the specs do not say otherwise): a window ends one millisecond before the
next one starts.
"""

from __future__ import annotations

__all__ = ["DAY_MS", "fixed_windows"]

DAY_MS = 24 * 60 * 60 * 1000


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
