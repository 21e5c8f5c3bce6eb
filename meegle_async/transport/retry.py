"""The retry policy: which failures are retried, and how long to wait before the next attempt.

Retried: HTTP 429 and 5xx, connection failures, timeouts, and the err_codes in ``retry_codes``
(20090 "request intercepted, retry later" and 1000051686 "file internal error" by default).
Everything else raises at once: a retry cannot fix a bad parameter or a missing permission.

Waits are exponential with full jitter (a random time between 0 and ``base * 2**n``, capped),
so that many clients throttled at once do not come back at once. A server's ``Retry-After``
wins over the computed wait, up to ``max_retry_after``.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable

import attrs

from ..errors import (
    MeegleAPIError,
    MeegleConnectionError,
    MeegleError,
    MeegleRateLimitError,
    MeegleTimeoutError,
    MeegleValidationError,
)

__all__ = ["DEFAULT_RETRY_CODES", "DEFAULT_THROTTLE_CODES", "RetryPolicy"]

#: err_codes retried with backoff by default: "request intercepted, retry later" and "file
#: internal error, please retry" (answered to uploads and downloads, with HTTP 500).
DEFAULT_RETRY_CODES: frozenset[int] = frozenset({20090, 1000051686})
#: err_codes treated like HTTP 429 (pause the endpoint, lower its rate). None is documented yet.
DEFAULT_THROTTLE_CODES: frozenset[int] = frozenset()


@attrs.frozen(kw_only=True)
class RetryPolicy:
    """How failed attempts are retried.

    Args:
        max_retries: retries after the first attempt (so ``max_retries + 1`` attempts at most).
        backoff_base: the first retry waits up to this many seconds; each next one doubles it.
        backoff_max: no computed wait is longer than this.
        max_retry_after: the longest ``Retry-After`` honoured; a longer one is cut to this.
        retry_codes: err_codes retried like a transient failure.
        rng: where the jitter comes from (seed it in tests).
    """

    max_retries: int = 4
    backoff_base: float = 0.5
    backoff_max: float = 8.0
    max_retry_after: float = 60.0
    retry_codes: frozenset[int] = DEFAULT_RETRY_CODES
    rng: Callable[[], float] = attrs.field(default=random.random, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        retries = self.max_retries
        if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
            raise MeegleValidationError(f"max_retries must be an integer >= 0, not {retries!r}")
        for name in ("backoff_base", "backoff_max", "max_retry_after"):
            value = getattr(self, name)
            if (
                isinstance(value, bool)
                or not isinstance(value, (int, float))
                or not math.isfinite(value)
                or value < 0
            ):
                raise MeegleValidationError(f"{name} must be a finite number >= 0, not {value!r}")
        codes: object = self.retry_codes
        if isinstance(codes, (str, bytes)) or not isinstance(codes, (frozenset, set, list, tuple)):
            raise MeegleValidationError(
                f"retry_codes must be a set of integer err_codes, not {codes!r}"
            )
        if any(isinstance(c, bool) or not isinstance(c, int) for c in codes):
            raise MeegleValidationError(f"retry_codes must hold integer err_codes, not {codes!r}")
        if not isinstance(codes, frozenset):
            object.__setattr__(self, "retry_codes", frozenset(codes))
        if not callable(self.rng):
            raise MeegleValidationError("rng must be a function returning a float in [0, 1)")

    def is_retryable(self, error: MeegleError) -> bool:
        """Whether another attempt could succeed where ``error`` failed."""
        if isinstance(error, (MeegleConnectionError, MeegleTimeoutError, MeegleRateLimitError)):
            return True
        if isinstance(error, MeegleAPIError):
            if error.code is not None and error.code in self.retry_codes:
                return True
            return error.http_status is not None and error.http_status >= 500
        return False

    def backoff(self, retry_number: int) -> float:
        """Full-jitter wait before retry number ``retry_number`` (1 for the first retry)."""
        ceiling = min(self.backoff_max, self.backoff_base * (2.0 ** max(0, retry_number - 1)))
        return float(self.rng()) * ceiling

    def wait_before(self, retry_number: int, error: MeegleError) -> float:
        """Seconds to wait before retrying after ``error``: the server's ``Retry-After`` if any."""
        retry_after: float | None = getattr(error, "retry_after", None)
        if retry_after is not None:
            return min(float(retry_after), self.max_retry_after)
        return self.backoff(retry_number)
