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


def test_watch_keeps_syncing_until_interrupted(tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    url = f"sqlite:///{tmp_path / 'meegle.db'}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEEGLE_")}
    proc = subprocess.Popen(
        [
            *(sys.executable, "-m", "meegle_async", "sync", "--fake", "--fake-items", "30"),
            *("--db", url, "--watch", "0.2"),
        ],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        # Wait (generously) until two rounds are recorded in sync_state, then Ctrl-C.
        deadline = time.monotonic() + 120
        runs = 0
        while time.monotonic() < deadline and runs < 2:
            time.sleep(0.2)
            try:
                rows = asyncio.run(fetch_all(url, "SELECT min(runs) FROM sync_state"))
                runs = int(rows[0][0] or 0)
            except Exception:
                runs = 0
        assert runs >= 2
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130
    assert err.count("items written") >= 2
    assert "interrupted" in err
