"""The ``meegle-async`` command (also ``python -m meegle_async``).

Commands:

``demo``
    starts the embedded fake Meegle and runs a bulk sync against its real rate limits:
    details of 5,000 work items to JSONL, a batch update of 1,000 polled to completion, their
    change log; then a summary of requests, retries, throttling and time per phase.
``export``
    resumable bulk export (details, change-log, tasks) to JSONL or CSV; see ``cli/export.py``.
``fake-server``
    runs the fake Meegle standalone (for other languages' tests), printing its URL and
    credentials until Ctrl-C.

Each command is a module of this package with a ``register(subparsers)`` function that adds
its parser and sets ``handler`` (``args -> exit code``); a new command is a new module plus its
name in :data:`COMMANDS`. Helper modules (``progress``, ...) are not listed, so the command line
imports only what its commands need.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from .._version import __version__

__all__ = ["COMMANDS", "build_parser", "main"]

#: The modules of this package that add a subcommand, in the order ``--help`` lists them.
COMMANDS: tuple[str, ...] = ("demo", "export", "fake_server", "sync")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every command module's subcommand."""
    parser = argparse.ArgumentParser(
        prog="meegle-async",
        description="meegle-async: asyncio client for the Meegle (Feishu Project) OpenAPI.",
    )
    parser.add_argument("--version", action="version", version=f"meegle-async {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"{__name__}.{name}").register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 ok, 1 failed, 2 usage, 130 interrupted).

    Example::

        meegle-async demo --items 500 --batch 100
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        code: int = handler(args)
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    return code
