"""``meegle-async export attachments`` as a subprocess against the fake: the tree and manifest it
writes, resume after SIGKILL compared file by file with an uninterrupted run, usage errors."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from meegle_async.cli.export_attachments import read_manifest, safe_name
from meegle_async.testing import FakeMeegle, Faults
from meegle_async.testing.files_state import seed_files


@pytest.fixture
async def fake() -> AsyncIterator[FakeMeegle]:
    # Slow downloads, so that a run can be killed half-way.
    faults = Faults(latency=0.15, endpoints=["download_attachment"])
    async with FakeMeegle(seed_items=40, seed=5, faults=faults) as f:
        seed_files(f.store, items=40, seed=9)
        yield f


def env_for(fake: FakeMeegle) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEEGLE_")}
    env.update(
        MEEGLE_BASE_URL=fake.base_url,
        MEEGLE_PLUGIN_ID=fake.plugin_id,
        MEEGLE_PLUGIN_SECRET=fake.plugin_secret,
        MEEGLE_USER_KEY=fake.user_key,
        NO_PROXY="127.0.0.1",
    )
    return env


def story_ids(fake: FakeMeegle) -> str:
    ids = [
        i.id
        for i in fake.store.items.values()
        if i.type_key == "story" and i.project_key == fake.project_key
    ]
    return ",".join(map(str, ids))


async def start(fake: FakeMeegle, out: Path, *extra: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "meegle_async", "export", "attachments",
        "--project", fake.project_key, "--type", "story", "--ids", story_ids(fake),
        "--out", str(out), "--concurrency", "2", "--quiet", *extra,
        env=env_for(fake),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip


async def finish(proc: asyncio.subprocess.Process) -> tuple[int, str]:
    _, err = await asyncio.wait_for(proc.communicate(), timeout=300)
    assert proc.returncode is not None
    return proc.returncode, err.decode()


def tree(out: Path) -> dict[str, str]:
    return {
        str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(out.rglob("*"))
        if p.is_file() and p.name != "manifest.jsonl"
    }


def manifest(out: Path) -> list[dict[str, object]]:
    lines = (out / "manifest.jsonl").read_text(encoding="utf-8").splitlines()
    return sorted((json.loads(line) for line in lines), key=lambda e: str(e["uuid"]))


async def test_resume_after_sigkill_matches_an_uninterrupted_run(
    fake: FakeMeegle, tmp_path: Path
) -> None:
    whole, killed = tmp_path / "whole", tmp_path / "killed"
    code, err = await finish(await start(fake, whole))
    assert code == 0, err
    expected = tree(whole)
    assert len(expected) >= 10
    for entry in manifest(whole):
        path = whole / str(entry["item"]) / str(entry["name"])
        assert hashlib.sha256(path.read_bytes()).hexdigest() == entry["sha256"]
        assert path.stat().st_size == entry["size"]

    proc = await start(fake, killed)
    for _ in range(3000):  # until a few files are done (a generous 5 minutes at most)
        if (killed / "manifest.jsonl").exists() and len(read_manifest(killed)) >= 3:
            break
        await asyncio.sleep(0.1)
    proc.send_signal(signal.SIGKILL)
    await proc.wait()
    finished_before = read_manifest(killed)
    assert 3 <= len(finished_before) < len(expected)

    fake.clear_requests()
    code, err = await finish(await start(fake, killed))
    assert code == 0, err
    assert tree(killed) == expected  # no partial file, nothing missing, same bytes
    assert manifest(killed) == manifest(whole)
    # A throttled attempt is not a download: the killed run's last requests may still fill the
    # server's window when the new process bursts (its limiter starts empty).
    downloaded = [
        r.body["uuid"] for r in fake.requests_to("download_attachment") if r.err_code != 429
    ]
    assert not set(downloaded) & {uuid for _, uuid in finished_before}
    assert len(downloaded) == len(expected) - len(finished_before)


async def test_interrupt_exits_130_and_a_rerun_completes(fake: FakeMeegle, tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = await start(fake, out)
    for _ in range(3000):
        if (out / "manifest.jsonl").exists() and read_manifest(out):
            break
        await asyncio.sleep(0.1)
    proc.send_signal(signal.SIGINT)
    code, err = await finish(proc)
    assert code == 130, err
    assert "run it again" in err
    code, err = await finish(await start(fake, out))
    assert code == 0, err
    assert not list(out.rglob("*.part"))


async def test_a_missing_file_is_listed_and_exits_1(fake: FakeMeegle, tmp_path: Path) -> None:
    ids = {int(i) for i in story_ids(fake).split(",")}
    gone = next(u for u, f in fake.files.files.items() if f.work_item_id in ids)
    del fake.files.files[gone]  # the item still names it; the download answers 30019
    out = tmp_path / "out"
    code, err = await finish(await start(fake, out))
    assert code == 1, err
    (line,) = (out / "failed.txt").read_text(encoding="utf-8").splitlines()
    assert line.split("\t")[1:3] == [gone, "30019"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--ids", "1", "--updated-since", "2025-01-01"], "--updated-since goes with --all"),
        (["--ids", "x"], "not a work item id"),
        (["--ids", "1", "--format", "csv"], "no --format"),
    ],
)
async def test_usage_errors_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "meegle_async", "export", "attachments", "--project", "p",
        "--type", "story", "--out", str(tmp_path / "o"), *args,
        env={**os.environ, "MEEGLE_PLUGIN_ID": "p", "MEEGLE_PLUGIN_SECRET": "s",
             "MEEGLE_USER_KEY": "u"},
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    code, err = await finish(proc)
    assert code == 2
    assert message in err


def test_safe_name_stays_inside_the_directory() -> None:
    assert safe_name("../../etc/passwd", "u1") == "_.._etc_passwd"
    assert safe_name("..", "u1") == "attachment-u1"
    assert safe_name(None, "u2") == "attachment-u2"
    assert safe_name("a:b?.txt", "u3") == "a_b_.txt"
