"""The examples harness: find the Python blocks of a Markdown page and run them against a fake.

The convention (CONTRIBUTING.md, "Examples in the docs"):

- every fenced block whose info string is ``python`` (or ``py``) is a complete program, run in
  order with the page's other blocks against one fresh fake seeded as ``meegle-async
  fake-server`` seeds by default, with ``MEEGLE_BASE_URL``, ``MEEGLE_PLUGIN_ID``,
  ``MEEGLE_PLUGIN_SECRET`` and ``MEEGLE_USER_KEY`` set and a temporary working directory;
- a block preceded by the line ``<!-- example: skip: reason -->`` is not run;
- a block whose first line is ``# file: NAME`` is saved as NAME in the working directory instead
  of being run (a module or a ``conftest.py`` for later blocks); when NAME is ``test_*.py``,
  pytest then runs it there, and its failure fails the page;
- other blocks (``bash``, ``text``, ...) are not run.
"""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]

_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`]*)$")
_SKIP = re.compile(r"^\s*<!--\s*example:\s*skip:\s*(?P<reason>.+?)\s*-->\s*$")
_FILE = re.compile(r"^#\s*file:\s*(?P<name>[\w.\-]+\.py)\s*$")


@dataclass(frozen=True)
class Block:
    """One fenced code block of a page."""

    page: Path
    line: int  # 1-based line of the first code line
    language: str
    code: str
    skip: str | None  # the reason given by a skip marker, or None

    @property
    def is_python(self) -> bool:
        return self.language in ("python", "py", "python3")

    @property
    def file_name(self) -> str | None:
        """NAME when the block's first line is ``# file: NAME``."""
        first = self.code.split("\n", 1)[0]
        match = _FILE.match(first)
        return match["name"] if match else None

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


def pages() -> list[Path]:
    """README.md and every Markdown page under docs/, in a stable order."""
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def blocks(page: Path) -> Iterator[Block]:
    """The fenced code blocks of a page, with their skip markers, dedented."""
    lines = page.read_text(encoding="utf-8").splitlines()
    index = 0
    previous = ""
    while index < len(lines):
        match = _FENCE.match(lines[index])
        if match is None:
            if lines[index].strip():
                previous = lines[index]
            index += 1
            continue
        indent, fence = match["indent"], match["fence"]
        info = match["info"].strip()
        language = info.split()[0].strip("{}.").lower() if info else ""
        body: list[str] = []
        start = index + 1
        index += 1
        while index < len(lines):
            line = lines[index]
            if line.strip().startswith(fence[0] * len(fence)) and not line.strip().strip(fence[0]):
                break
            body.append(line[len(indent) :] if line.startswith(indent) else line.lstrip())
            index += 1
        skip = _SKIP.match(previous)
        yield Block(
            page=page,
            line=start + 1,
            language=language,
            code="\n".join(body) + "\n",
            skip=skip["reason"] if skip else None,
        )
        previous = ""
        index += 1


class ThreadedFake:
    """A ``FakeMeegle`` served by a background thread with its own event loop.

    The examples call ``asyncio.run()`` themselves, so the fake cannot share their loop.
    """

    def __init__(self, fake: Any) -> None:
        self.fake = fake
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="docs-fake", daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_forever()

    def __enter__(self) -> Any:
        self._thread.start()
        started: Future[Any] = asyncio.run_coroutine_threadsafe(self.fake.start(), self._loop)
        started.result(timeout=120)
        return self.fake

    def __exit__(self, *exc: object) -> None:
        try:
            asyncio.run_coroutine_threadsafe(self.fake.close(), self._loop).result(timeout=120)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=120)
            self._loop.close()
