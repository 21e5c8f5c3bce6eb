"""ExportFiles after a failed write: the checkpoint stays the last good one, nothing is
committed past the failure, and closing does not raise the error a second time."""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import pytest

from meegle_async.cli.checkpoint import ExportFiles, OutputError, checkpoint_path


def _checkpoint(out: Path) -> dict[str, object]:
    data: dict[str, object] = json.loads(checkpoint_path(out).read_text())
    return data


def test_a_failed_fsync_keeps_the_last_good_checkpoint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "items.jsonl"
    files = ExportFiles.create(out, kind="details", params={"kind": "details"})
    files.write_line(b'{"id": 1}\n')
    files.commit({"position": 1})
    good = _checkpoint(out)
    assert (good["bytes"], good["lines"]) == (10, 1)

    files.write_line(b'{"id": 2}\n')

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OutputError, match=r"cannot write .*items.jsonl: No space left on device"):
        files.commit({"position": 2})
    monkeypatch.undo()
    assert _checkpoint(out) == good
    # Broken: even with room again, nothing more is written or committed in this run.
    with pytest.raises(OutputError):
        files.write_line(b'{"id": 3}\n')
    with pytest.raises(OutputError):
        files.commit({"position": 3})
    files.close(finished=True)  # no second error; the checkpoint is kept for --resume
    assert _checkpoint(out) == good
    assert files.committed_lines == 1

    resumed = ExportFiles.reopen(out, _checkpoint(out))
    assert out.read_bytes() == b'{"id": 1}\n'
    assert resumed.lines == 1
    resumed.close(finished=False)


def test_a_failed_checkpoint_write_leaves_the_old_one_and_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "items.jsonl"
    files = ExportFiles.create(out, kind="details", params={})
    files.commit({"position": 0})
    good = _checkpoint(out)
    files.write_line(b"x\n")
    real_replace = os.replace

    def refuse(src: object, dst: object) -> None:
        raise OSError(errno.EDQUOT, os.strerror(errno.EDQUOT))

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OutputError, match=r"checkpoint\.json"):
        files.commit({"position": 1})
    monkeypatch.setattr(os, "replace", real_replace)
    assert _checkpoint(out) == good
    assert not Path(f"{checkpoint_path(out)}.tmp").exists()
    files.close(finished=False)
