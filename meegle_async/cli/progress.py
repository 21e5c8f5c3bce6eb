"""Progress lines for the command line: items done of total, rate, ETA.

On a terminal a bar is redrawn in place (``\\r``, a few times a second); when the output is a
file or a pipe (CI logs) a plain line is written every few seconds instead, so logs stay
readable; ``quiet`` writes nothing.

Example::

    progress = Progress()
    async with progress.bar("details", total=5000, unit="items") as bar:
        for chunk in chunks:
            await fetch(chunk)
            bar.advance(len(chunk))
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import sys
import time
from collections.abc import Callable
from typing import TextIO

__all__ = ["Progress", "ProgressBar", "format_duration"]

_BAR_WIDTH = 24


def format_duration(seconds: float) -> str:
    """``7.4s``, ``2m05s``, ``1h02m``: short enough for a progress line."""
    if seconds < 0 or seconds != seconds:
        return "?"
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


class Progress:
    """Makes progress bars that write to one stream.

    Args:
        stream: where lines go (``sys.stdout``).
        quiet: write nothing.
        tty: draw in place; by default, whether ``stream`` is a terminal.
        tty_interval: seconds between redraws on a terminal.
        plain_interval: seconds between lines when not on a terminal.
        columns: the terminal's width (asked of the terminal by default); a line drawn in
            place is cut to fit, since a wrapped line cannot be redrawn.
        clock: a monotonic clock (tests pass their own).
    """

    def __init__(
        self,
        stream: TextIO | None = None,
        *,
        quiet: bool = False,
        tty: bool | None = None,
        tty_interval: float = 0.1,
        plain_interval: float = 2.0,
        columns: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stream = stream if stream is not None else sys.stdout
        self.quiet = quiet
        if tty is None:
            isatty = getattr(self.stream, "isatty", None)
            tty = bool(isatty and isatty())
        self.tty = tty
        self.interval = tty_interval if tty else plain_interval
        self.columns = columns if columns is not None else shutil.get_terminal_size().columns
        self.clock = clock

    def bar(self, label: str, total: int | None, *, unit: str = "items") -> ProgressBar:
        """A new bar; use it as an ``async with`` block to have it redrawn while time passes."""
        return ProgressBar(self, label, total, unit=unit)


class ProgressBar:
    """One task's progress: ``advance`` it, ``note`` what else is happening, ``close`` it.

    As an async context manager it also redraws on its own (elapsed time and ETA move even
    when no item finishes) and closes at the end of the block.
    """

    def __init__(self, progress: Progress, label: str, total: int | None, *, unit: str) -> None:
        self._p = progress
        self.label = label
        self.total = total
        self.unit = unit
        self.done = 0
        #: Items done before this run (a resumed export): shown in the count, not in the rate.
        self.base = 0
        self.note_text = ""
        self.started = progress.clock()
        self.finished: float | None = None
        self._last_draw: float | None = None
        self._width = 0
        self._ticker: asyncio.Task[None] | None = None

    # -- updates -------------------------------------------------------------------------------

    def advance(self, n: int = 1) -> None:
        """``n`` more items done."""
        self.done += n
        self.refresh()

    def update(
        self, *, done: int | None = None, total: int | None = None, note: str | None = None
    ) -> None:
        """Set the count, the total or the note."""
        if done is not None:
            self.done = done
        if total is not None:
            self.total = total
        if note is not None:
            self.note_text = note
        self.refresh()

    def resume_from(self, done: int) -> None:
        """Start from ``done`` items finished by an earlier run: counted, but not in the rate
        (nor the ETA), which measure this run alone."""
        self.done = self.base = done
        self.refresh()

    def note(self, text: str) -> None:
        """A short remark shown after the numbers (``polls 12``)."""
        self.note_text = text
        self.refresh()

    @property
    def elapsed(self) -> float:
        """Seconds since the bar was made (until it was closed)."""
        end = self.finished if self.finished is not None else self._p.clock()
        return end - self.started

    @property
    def rate(self) -> float:
        """Items per second so far, this run's items only (see ``resume_from``)."""
        elapsed = self.elapsed
        return (self.done - self.base) / elapsed if elapsed > 0 else 0.0

    @property
    def eta(self) -> float | None:
        """Seconds left at the rate so far (``None`` without a total or a rate)."""
        if self.total is None or self.done <= self.base:
            return None
        return max(0.0, (self.total - self.done) / self.rate) if self.rate > 0 else None

    # -- drawing -------------------------------------------------------------------------------

    def line(self) -> str:
        """The text of the progress line as it stands."""
        parts = [f"{self.label:<14}"]
        if self.total:
            fraction = min(1.0, self.done / self.total)
            filled = int(fraction * _BAR_WIDTH)
            parts.append("[" + "#" * filled + "-" * (_BAR_WIDTH - filled) + "]")
            parts.append(f"{self.done:>{len(f'{self.total:,}')},}/{self.total:,} {self.unit}")
            parts.append(f"{fraction * 100:5.1f}%")
        else:
            parts.append(f"{self.done:,} {self.unit}")
        parts.append(f"{self.rate:,.1f}/s")
        if self.finished is None:
            eta = self.eta
            parts.append(f"ETA {format_duration(eta)}" if eta is not None else "ETA --")
        parts.append(f"elapsed {format_duration(self.elapsed)}")
        if self.note_text:
            parts.append(self.note_text)
        return "  ".join(parts)

    def refresh(self, *, force: bool = False) -> None:
        """Draw the line if enough time has passed since the last one (or ``force``)."""
        p = self._p
        if p.quiet or self.finished is not None:
            return
        now = p.clock()
        if not force and self._last_draw is not None and now - self._last_draw < p.interval:
            return
        self._last_draw = now
        self._write(self.line(), final=False)

    def close(self) -> None:
        """Draw the final line (once)."""
        if self.finished is not None:
            return
        self.finished = self._p.clock()
        if not self._p.quiet:
            self._write(self.line(), final=True)

    def _write(self, text: str, *, final: bool) -> None:
        stream = self._p.stream
        if self._p.tty:
            text = text[: max(20, self._p.columns - 1)]
            # Pad over what a longer previous line left behind; the final line ends the row.
            pad = " " * max(0, self._width - len(text))
            self._width = len(text)
            stream.write("\r" + text + pad + ("\n" if final else ""))
        else:
            stream.write(text + "\n")
        stream.flush()

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(self._p.interval)
            self.refresh()

    async def __aenter__(self) -> ProgressBar:
        self.refresh(force=True)
        if not self._p.quiet:
            self._ticker = asyncio.get_running_loop().create_task(self._tick())
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
            self._ticker = None
        self.close()
