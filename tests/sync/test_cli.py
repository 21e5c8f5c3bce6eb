"""``meegle-async sync`` on the command line: usage, the --fake run, its summary, secrets."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from meegle_async.cli import main

from .conftest import fetch_all


@pytest.fixture(autouse=True)
def _no_meegle_env(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in list(os.environ):
        if name.startswith("MEEGLE_"):
            monkeypatch.delenv(name)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["sync"], "--project KEY"),
        (["sync", "--all", "--project", "p"], "--all goes without"),
        (["sync", "--type", "story"], "--type needs --project"),
        (["sync", "--project", "p", "--db", "mysql://x@127.0.0.1/db"], "not supported"),
        (["sync", "--project", "p"], "missing credentials"),
    ],
)
def test_bad_usage_exits_2_before_anything_is_sent(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code = main([*argv, "--db", f"sqlite:///{tmp_path / 'x.db'}"] if "--db" not in argv else argv)
    assert code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "x.db").exists()


def test_fake_run_fills_the_database_and_a_second_run_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'meegle.db'}"
    assert main(["sync", "--fake", "--fake-items", "60", "--db", url]) == 0
    err = capsys.readouterr().err
    assert "space_demo/story:" in err
    assert "items written" in err
    count = asyncio.run(fetch_all(url, "SELECT count(*) FROM work_items"))[0][0]
    assert count > 0
    assert f"{count} items written" in err.replace(",", "")


def test_a_database_password_is_never_printed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    # Nothing listens on the port: the run fails to connect.
    url = f"postgresql://sync:hunter2-secret@127.0.0.1:{port}/meegle"
    code = main(["sync", "--fake", "--fake-items", "5", "--db", url])
    out = capsys.readouterr()
    assert code == 1
    assert "hunter2-secret" not in out.err + out.out
    assert "database" in out.err
