"""``meegle-async fake-server``: serves until interrupted, prints what a client needs."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest

from meegle_async import MeegleClient


def _start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "meegle_async", "fake-server", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
async def test_serves_until_interrupted(stop: signal.Signals) -> None:
    proc = _start("--seed-items", "30", "--json", "--p-5xx", "0.2", "--seed", "5")
    try:
        assert proc.stdout is not None
        details = json.loads(proc.stdout.readline())
        assert details["base_url"].startswith("http://127.0.0.1:")
        async with MeegleClient(
            base_url=details["base_url"],
            plugin_id=details["plugin_id"],
            plugin_secret=details["plugin_secret"],
            user_key=details["user_key"],
            trust_env=False,
        ) as client:
            types = await client.request(
                "query_work_item_types",
                "GET",
                "/open_api/{project_key}/work_item/all-types",
                path_params={"project_key": details["project_key"]},
            )
        assert {t["type_key"] for t in types} >= {"story", "bug"}
        proc.send_signal(stop)
        _out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert "stopped" in err
    assert "Traceback" not in err


def test_human_output_lists_the_credentials() -> None:
    proc = _start("--seed-items", "0", "--no-rate-limits")
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(6)]
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    text = "".join(lines)
    assert "Fake Meegle server listening on http://127.0.0.1:" in text
    for name in (
        "MEEGLE_BASE_URL=",
        "MEEGLE_PLUGIN_ID=",
        "MEEGLE_PLUGIN_SECRET=",
        "MEEGLE_USER_KEY=",
    ):
        assert name in text
    assert "rate limits off" in text
    assert proc.returncode == 0


def test_refuses_a_non_loopback_host() -> None:
    proc = _start("--host", "0.0.0.0")
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 2
    assert "loopback" in err
