"""The calls a transport has in progress: where their time goes, and how they are ended early.

A logical call (every attempt of one request) is tracked from its first token lookup to its
answer. Two things may end it early, both by cancelling the task at the point where it waits:

* its ``deadline`` passes: it ends with ``MeegleTimeoutError`` saying where the time went
  (waiting in the queue for the limiter and the concurrency cap, attempts, backoff);
* the client is closed (``aclose``): it ends with ``MeegleError``, and nothing more is sent.

A call is registered only while its task runs inside the transport, so a cancellation made here
is always delivered inside the transport, where it is turned into one of those errors (and the
limiter's permit is released on the way out, by the ``finally`` that holds it).
"""

from __future__ import annotations

import asyncio
import time
from typing import Literal

from ..errors import MeegleError, MeegleTimeoutError

__all__ = ["CallState", "Phase"]

#: What a call is doing: getting a token, waiting for the limiter or the concurrency cap,
#: exchanging with the server, or sleeping before a retry.
Phase = Literal["token", "queued", "sending", "backoff"]
_LABELS = {"queued": "queued", "sending": "attempts", "backoff": "backoff", "token": "token"}


class CallState:
    """One logical call in progress: its phase, the time spent in each, and why it was ended."""

    __slots__ = (
        "attempts",
        "deadline",
        "holding",
        "left",
        "phase",
        "reason",
        "since",
        "spent",
        "task",
        "timer",
    )

    def __init__(self, task: asyncio.Task[object] | None, deadline: float | None) -> None:
        self.task = task
        self.deadline = deadline
        self.phase: Phase = "token"
        self.since = time.monotonic()
        self.spent: dict[str, float] = {}
        self.attempts = 0
        self.reason: Literal["deadline", "closed"] | None = None
        self.timer: asyncio.TimerHandle | None = None
        #: While true (releasing a limiter permit), ``end`` only marks the call: the transport
        #: ends it right after, so a permit is never left half-released.
        self.holding = False
        #: Set by ``aclose`` to learn when the call has left the transport.
        self.left: asyncio.Future[None] | None = None

    def enter(self, phase: Phase) -> None:
        """Start ``phase``; the time since the last change is added to the previous one."""
        now = time.monotonic()
        label = _LABELS[self.phase]
        self.spent[label] = self.spent.get(label, 0.0) + (now - self.since)
        self.phase = phase
        self.since = now
        if phase == "sending":
            self.attempts += 1

    def end(self, reason: Literal["deadline", "closed"]) -> None:
        """Cancel the call's task (once): it ends with the error that ``reason`` calls for."""
        if self.reason is not None or self.task is None or self.task.done():
            return
        self.reason = reason
        if not self.holding:
            self.task.cancel()

    def arm(self, loop: asyncio.AbstractEventLoop) -> None:
        """Start the deadline timer, if the call has a deadline."""
        if self.deadline is not None:
            self.timer = loop.call_later(self.deadline, self.end, "deadline")

    def finish(self) -> None:
        """The call leaves the transport: stop the timer, tell ``aclose``."""
        if self.timer is not None:
            self.timer.cancel()
        if self.left is not None and not self.left.done():
            self.left.set_result(None)

    def error(self, endpoint: str) -> MeegleError:
        """The error the call ends with, once it was ended by ``end``."""
        phase = self.phase
        self.enter(phase)  # account for the time up to now
        if self.reason == "closed":
            if phase == "sending":
                what = "while its request was in flight (the server may have received it)"
            else:
                what = "before its request was sent (nothing was sent)"
            return MeegleError(f"{endpoint}: the MeegleClient was closed {what}")
        where = ", ".join(
            f"{label} {self.spent[label]:.2f}s"
            + (
                f" ({self.attempts} attempt{'s' * (self.attempts != 1)})"
                if label == "attempts"
                else ""
            )
            for label in ("queued", "token", "attempts", "backoff")
            if label in self.spent and (self.spent[label] >= 0.005 or label == "attempts")
        )
        during = {
            "token": "getting a token",
            "queued": "waiting in the queue (limiter or concurrency cap)",
            "sending": "waiting for an answer",
            "backoff": "waiting before a retry",
        }[phase]
        unsure = " (the server may have received the request)" if phase == "sending" else ""
        return MeegleTimeoutError(
            f"{endpoint}: the deadline of {self.deadline:g}s passed while {during}{unsure}; "
            f"time spent: {where or 'none'}",
            endpoint=endpoint,
            spent=dict(self.spent),
        )
