"""``meegle-async fake-server --print-env``: one ``eval`` sets a shell up for ``from_env()``."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap

import pytest

from .examples import ROOT

pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")

CLIENT = textwrap.dedent(
    """
    import asyncio
    from meegle_async import MeegleClient

    async def main():
        async with MeegleClient.from_env() as client:
            [item] = await client.work_items.get_details("space_demo", "story", [6100000004])
            print("item", item.id, "spaces", *await client.spaces.list())

    asyncio.run(main())
    """
)


def test_eval_print_env_sets_up_a_shell_for_from_env(tmp_path: object) -> None:
    script = f"""
        set -e
        eval "$("{sys.executable}" -m meegle_async fake-server --print-env &)"
        trap 'kill "$MEEGLE_FAKE_PID" 2>/dev/null || true' EXIT
        echo "pid=$MEEGLE_FAKE_PID url=$MEEGLE_BASE_URL user=$MEEGLE_USER_KEY"
        "{sys.executable}" -c '{CLIENT}'
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEEGLE_")}
    done = subprocess.run(
        ["bash", "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("pid=")
    assert " url=http://127.0.0.1:" in lines[0]
    assert lines[0].endswith(" user=7000000000000000001")
    assert lines[1] == "item 6100000004 spaces space_demo space_ops"


def test_print_env_lists_the_seed() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "meegle_async", "fake-server", "--print-env"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        # --print-env closes its stdout once it has printed: read() returns while it serves.
        assert proc.stdout is not None
        out = proc.stdout.read()
        assert proc.poll() is None
    finally:
        proc.terminate()
        proc.communicate(timeout=60)
    exports = [line for line in out.splitlines() if line.startswith("export ")]
    assert [line.split("=", 1)[0] for line in exports] == [
        "export MEEGLE_BASE_URL",
        "export MEEGLE_PLUGIN_ID",
        "export MEEGLE_PLUGIN_SECRET",
        "export MEEGLE_USER_KEY",
        "export MEEGLE_FAKE_PID",
    ]
    assert f"export MEEGLE_FAKE_PID={proc.pid}" in exports
    comments = "\n".join(line for line in out.splitlines() if line.startswith("# "))
    assert "space_demo (simple_name demo" in comments
    assert "space_ops (simple_name ops" in comments
    for type_key in ("story", "bug", "component", "legacy"):
        assert f"{type_key} (" in comments
    assert "space_demo story ids: 6100000004 6100000007 6100000009 ... (51 in all)" in comments
    assert "P1=1" in comments
    assert proc.returncode == 0
