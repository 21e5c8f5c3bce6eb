"""Ctrl-C and SIGTERM for the long CLI jobs: the first signal cancels the job's task (it then
saves what it has), a second one is left to the default handler and stops at once."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Callable, Iterator
from typing import Any

__all__ = ["cancel_on_signals"]

_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def _remove(loop: asyncio.AbstractEventLoop) -> None:
    for sig in _SIGNALS:
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.remove_signal_handler(sig)


@contextlib.contextmanager
def cancel_on_signals(
    task: asyncio.Future[Any], on_interrupt: Callable[[], None]
) -> Iterator[None]:
    """While the block runs, SIGINT/SIGTERM call ``on_interrupt`` and cancel ``task`` (once:
    the handlers are removed at the first signal, so a second Ctrl-C stops at once)."""
    loop = asyncio.get_running_loop()

    def on_signal() -> None:
        on_interrupt()
        task.cancel()
        _remove(loop)

    for sig in _SIGNALS:
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, on_signal)
    try:
        yield
    finally:
        _remove(loop)
