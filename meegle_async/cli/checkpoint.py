"""Resumable output for ``meegle-async export``: whole lines, fsync, and a checkpoint beside them.

An export writes its lines to the output file and, for the ids it could not export, to a side
file (``OUT.failed.txt``). After every unit of work (a chunk of ids, a page of records) it
*commits*: both files are flushed and fsync'ed, then the checkpoint ``OUT.checkpoint.json`` is
replaced atomically (written to a temporary file, fsync'ed, renamed). The checkpoint records the
byte length of both files at that moment and where the walk stands (``state``).

A failed write (a full disk, a quota, an I/O error) raises :class:`OutputError` and breaks the
files: nothing is committed after it, so the checkpoint stays the last good one (a commit whose
own write fails leaves the previous checkpoint in place too), and ``--resume`` continues from it
once there is room.

A crash can leave more in the files than the checkpoint knows of (lines written after the last
commit, or half a line): resuming truncates both files to the committed lengths and restarts the
walk from the committed state, so the lines after the commit are written again exactly once, and
nothing before it is repeated. A file shorter than its checkpoint says (edited, or replaced) is
refused rather than guessed at.

Checkpoint format (JSON, ``"version": 1``)::

    {"version": 1, "kind": "details", "params": {...the command's arguments...},
     "output": "items.jsonl", "bytes": 52311, "lines": 100,
     "failed_bytes": 0, "failed": 0, "state": {"position": 100}, "saved_at": "2026-..."}
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

__all__ = [
    "CHECKPOINT_VERSION",
    "CheckpointError",
    "ExportFiles",
    "OutputError",
    "atomic_write_text",
    "checkpoint_path",
    "failed_path",
    "load_checkpoint",
]

CHECKPOINT_VERSION = 1


class CheckpointError(Exception):
    """The checkpoint cannot be used (missing, unreadable, or not matching the files)."""


class OutputError(Exception):
    """Writing the output, the side file or the checkpoint failed (disk full, I/O error).

    ``path`` is the file being written; ``str(err)`` is one line: what failed and why.
    """

    def __init__(self, path: Path, exc: OSError) -> None:
        reason = exc.strerror or str(exc) or type(exc).__name__
        super().__init__(f"cannot write {path}: {reason}")
        self.path = path
        self.errno = exc.errno


def checkpoint_path(out: Path) -> Path:
    """``items.jsonl`` -> ``items.jsonl.checkpoint.json``."""
    return out.with_name(out.name + ".checkpoint.json")


def failed_path(out: Path) -> Path:
    """``items.jsonl`` -> ``items.jsonl.failed.txt``."""
    return out.with_name(out.name + ".failed.txt")


def _fsync_dir(directory: Path) -> None:
    # A rename is durable only once its directory is; not every platform can open a directory.
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def atomic_write_text(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` so a crash leaves the old file or the new one, whole.

    Raises:
        OutputError: the write failed; ``path`` is as it was (the temporary file is removed).
    """
    tmp = path.with_name(path.name + ".tmp")
    try:
        with tmp.open("w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise OutputError(path, exc) from None
    _fsync_dir(path.parent if str(path.parent) else Path("."))


def load_checkpoint(out: Path) -> dict[str, Any]:
    """The checkpoint of ``out``; ``CheckpointError`` when there is none or it is unreadable."""
    path = checkpoint_path(out)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CheckpointError(
            f"no checkpoint {path}: nothing to resume (the export finished, or never started); "
            "run the command without --resume"
        ) from None
    except (OSError, ValueError) as exc:
        raise CheckpointError(f"cannot read checkpoint {path}: {exc}") from None
    if not isinstance(data, dict) or data.get("version") != CHECKPOINT_VERSION:
        raise CheckpointError(
            f"checkpoint {path} is not a version-{CHECKPOINT_VERSION} export checkpoint"
        )
    for key in ("bytes", "lines", "failed_bytes", "failed"):
        if not isinstance(data.get(key), int) or data[key] < 0:
            raise CheckpointError(f"checkpoint {path}: {key!r} is missing or invalid")
    return data


class ExportFiles:
    """The output file, the failed-ids side file and the checkpoint of one export.

    Use :meth:`create` for a new export and :meth:`reopen` to resume one; :meth:`write_line` and
    :meth:`write_failed` take whole lines, :meth:`commit` makes them durable with the state.
    """

    def __init__(
        self,
        out: Path,
        *,
        kind: str,
        params: Mapping[str, Any],
        out_fh: IO[bytes],
        failed_fh: IO[bytes],
        lines: int,
        failed: int,
    ) -> None:
        self.out = out
        self.kind = kind
        self.params = dict(params)
        self.lines = lines
        self.failed = failed
        #: ``lines`` as of the last commit (what a resume starts from).
        self.committed_lines = lines
        self._out = out_fh
        self._failed = failed_fh
        self.failed_file = failed_path(out)
        self.checkpoint_file = checkpoint_path(out)
        #: Set by a failed write: the files hold an unknown tail, so nothing is committed again.
        self.broken: OutputError | None = None

    @classmethod
    def create(
        cls, out: Path, *, kind: str, params: Mapping[str, Any], header: bytes = b""
    ) -> ExportFiles:
        """Start a new export: empty output (plus ``header``), empty side file.

        Raises:
            OutputError: a file cannot be created or written.
        """
        try:
            out_fh = out.open("wb")
        except OSError as exc:
            raise OutputError(out, exc) from None
        try:
            failed_fh = failed_path(out).open("wb")
        except OSError as exc:
            out_fh.close()
            raise OutputError(failed_path(out), exc) from None
        files = cls(
            out, kind=kind, params=params, out_fh=out_fh, failed_fh=failed_fh, lines=0, failed=0
        )
        if header:
            files._write(out_fh, out, header)
        return files

    @classmethod
    def reopen(cls, out: Path, checkpoint: Mapping[str, Any]) -> ExportFiles:
        """Resume: cut both files back to what ``checkpoint`` committed, then append."""
        size = int(checkpoint["bytes"])
        failed_size = int(checkpoint["failed_bytes"])
        handles: list[IO[bytes]] = []
        try:
            for path, length in ((out, size), (failed_path(out), failed_size)):
                if not path.exists():
                    if length:
                        raise CheckpointError(
                            f"{path} is missing but the checkpoint counts {length} bytes in it"
                        )
                    path.touch()
                actual = path.stat().st_size
                if actual < length:
                    raise CheckpointError(
                        f"{path} holds {actual} bytes, fewer than the {length} the checkpoint "
                        "committed: the file was changed since; start over without --resume"
                    )
                fh = path.open("r+b")
                handles.append(fh)
                # Lines written after the last commit (and a half-written one) go: the walk
                # restarts at the committed state and writes them again, once.
                fh.truncate(length)
                fh.seek(length)
        except BaseException:
            for opened in handles:
                opened.close()
            raise
        return cls(
            out,
            kind=str(checkpoint.get("kind")),
            params=checkpoint.get("params") or {},
            out_fh=handles[0],
            failed_fh=handles[1],
            lines=int(checkpoint["lines"]),
            failed=int(checkpoint["failed"]),
        )

    def _write(self, fh: IO[bytes], path: Path, data: bytes) -> None:
        if self.broken is not None:
            raise self.broken
        try:
            fh.write(data)
        except OSError as exc:
            self.broken = OutputError(path, exc)
            raise self.broken from None

    def write_line(self, line: bytes) -> None:
        """Append one whole output line (``line`` ends with ``\\n``).

        Raises:
            OutputError: the write failed (the files are broken: see the module docstring).
        """
        self._write(self._out, self.out, line)
        self.lines += 1

    def write_failed(self, line: str) -> None:
        """Append one line to the failed-ids side file (``OutputError`` as ``write_line``)."""
        self._write(self._failed, self.failed_file, line.encode("utf-8"))
        self.failed += 1

    def commit(self, state: Mapping[str, Any]) -> None:
        """Make every line written so far durable, then record ``state`` with their lengths.

        Raises:
            OutputError: a write failed, now or before: the checkpoint is the last good one.
        """
        if self.broken is not None:
            raise self.broken
        for fh, path in ((self._out, self.out), (self._failed, self.failed_file)):
            try:
                fh.flush()
                os.fsync(fh.fileno())
            except OSError as exc:
                self.broken = OutputError(path, exc)
                raise self.broken from None
        record = {
            "version": CHECKPOINT_VERSION,
            "kind": self.kind,
            "params": self.params,
            "output": self.out.name,
            "bytes": self._out.tell(),
            "lines": self.lines,
            "failed_bytes": self._failed.tell(),
            "failed": self.failed,
            "state": dict(state),
            "saved_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        try:
            atomic_write_text(self.checkpoint_file, json.dumps(record, indent=1) + "\n")
        except OutputError as exc:
            self.broken = exc
            raise
        self.committed_lines = self.lines

    def close(self, *, finished: bool) -> None:
        """Close the files; a finished export drops its checkpoint (and an empty side file).

        Broken files are closed without a word (their error was raised already) and keep
        their checkpoint.
        """
        was_broken = self.broken is not None
        for fh, path in ((self._out, self.out), (self._failed, self.failed_file)):
            if fh.closed:
                continue
            if self.broken is None:
                try:
                    fh.flush()
                    os.fsync(fh.fileno())
                except OSError as exc:
                    self.broken = OutputError(path, exc)
            with contextlib.suppress(OSError):
                fh.close()
        if self.broken is not None:
            if not was_broken:
                raise self.broken
            return
        if finished:
            self.checkpoint_file.unlink(missing_ok=True)
            if self.failed == 0:
                self.failed_file.unlink(missing_ok=True)
