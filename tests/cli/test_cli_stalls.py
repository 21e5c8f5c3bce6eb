"""The CLI against a server that stalls: ``--timeout`` bounds every attempt, ``--max-retries``
the attempts, and the export ends with a one-line error and exit 1 instead of hanging."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture
def stalling_server() -> Iterator[str]:
    """A loopback server that accepts connections, reads the request and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    stop = threading.Event()
    held: list[socket.socket] = []

    def serve() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            held.append(conn)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(timeout=5)
        for conn in held:
            conn.close()
        listener.close()


def _env(base_url: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("MEEGLE_") and not k.lower().endswith("_proxy")
    }
    return env | {
        "MEEGLE_BASE_URL": base_url,
        "MEEGLE_PLUGIN_TOKEN": "t-stall",
        "MEEGLE_USER_KEY": "7000000000000000001",
    }


def test_export_against_a_stalled_server_ends_with_a_timeout(
    stalling_server: str, tmp_path: Path
) -> None:
    out = tmp_path / "items.jsonl"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "meegle_async",
            "export",
            "details",
            "--project",
            "space_demo",
            "--type",
            "story",
            "--ids",
            "101,102",
            "--out",
            str(out),
            "--timeout",
            "0.5",
            "--max-retries",
            "1",
            "--quiet",
        ],
        env=_env(stalling_server),
        capture_output=True,
        text=True,
        timeout=120,  # a hang guard, far above the ~2 s the export takes to give up
    )
    assert done.returncode == 1, done.stderr
    assert "timeout" in done.stderr.lower()
    assert "Traceback" not in done.stderr
    assert "t-stall" not in done.stderr + done.stdout


@pytest.mark.parametrize(
    ("flag", "value"), [("--timeout", "0"), ("--timeout", "nan"), ("--max-retries", "-1")]
)
def test_bad_network_flags_are_usage_errors(flag: str, value: str, tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "meegle_async",
            "export",
            "details",
            "--fake",
            "--ids",
            "1",
            "--out",
            str(tmp_path / "o.jsonl"),
            flag,
            value,
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert flag in done.stderr
