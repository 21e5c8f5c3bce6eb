"""Nothing lost, nothing twice: ``meegle-async sync`` killed with SIGKILL at random points.

The command runs as a subprocess against a fake Meegle served by the test; each interrupted
run is killed at a random moment, then a last run finishes. Its database must equal, row by
row, the database of one uninterrupted run.
"""

from __future__ import annotations

import asyncio
import os
import random
import sys
from pathlib import Path

import pytest

from meegle_async.testing import FakeMeegle

from .conftest import create_pg_database, fetch_all

TABLES = {
    "spaces": "project_key",
    "work_item_types": "project_key, type_key",
    "fields": "project_key, work_item_type_key, field_key",
    "work_items": "id",
    "field_values": "work_item_id, field_key",
    "users": "user_key",
    "subtasks": "id",
    "workflow_nodes": "work_item_id, node_id",
    "change_log": "work_item_id, record_hash",
    "sync_pending": "project_key, work_item_type_key, work_item_id",
}


def _env(fake: FakeMeegle) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEEGLE_")}
    env.update(
        MEEGLE_BASE_URL=fake.base_url,
        MEEGLE_PLUGIN_ID=fake.plugin_id,
        MEEGLE_PLUGIN_SECRET=fake.plugin_secret,
        MEEGLE_USER_KEY=fake.user_key,
    )
    return env


def _command(fake: FakeMeegle, url: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "meegle_async",
        "sync",
        "--db",
        url,
        "--project",
        fake.project_key,
        "--type",
        "story",
        "--type",
        "bug",
        "--concurrency",
        "1",
        "--quiet",
    ]


async def _run(fake: FakeMeegle, url: str, *, kill_after: float | None = None) -> int | None:
    """Run the command; with ``kill_after``, SIGKILL it then (``None`` if it was killed)."""
    proc = await asyncio.create_subprocess_exec(
        *_command(fake, url),
        env=_env(fake),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    if kill_after is None:
        _, err = await asyncio.wait_for(proc.communicate(), timeout=120)
        assert proc.returncode == 0, err.decode()
        return proc.returncode
    try:
        await asyncio.wait_for(asyncio.shield(proc.wait()), timeout=kill_after)
    except asyncio.TimeoutError:
        proc.kill()
        await proc.wait()
        return None
    await proc.communicate()
    return proc.returncode


async def _snapshot(url: str) -> dict[str, list[tuple[object, ...]]]:
    snap = {t: await fetch_all(url, f"SELECT * FROM {t} ORDER BY {k}") for t, k in TABLES.items()}
    snap["sync_state"] = await fetch_all(
        url,
        "SELECT project_key, work_item_type_key, run_watermark, run_since FROM sync_state "
        "ORDER BY project_key, work_item_type_key",
    )
    return snap


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
async def test_sigkill_at_random_points_loses_and_duplicates_nothing(
    tmp_path: Path, backend: str, request: pytest.FixtureRequest
) -> None:
    rng = random.Random(os.environ.get("MEEGLE_SYNC_KILL_SEED", "21"))
    if backend == "sqlite":
        reference = f"sqlite:///{tmp_path / 'reference.db'}"
        killed_url = f"sqlite:///{tmp_path / 'killed.db'}"
    else:
        # A killed run's advisory lock must die with its connection, or the next is refused.
        server = request.getfixturevalue("postgres_server")
        reference = await create_pg_database(server)
        killed_url = await create_pg_database(server)
    # Latency slows each request a little, so that kills land in the middle of the copy.
    async with FakeMeegle(seed_items=150, seed=21, latency=0.03) as fake:
        await _run(fake, reference)
        kills = 0
        for _ in range(4):
            if await _run(fake, killed_url, kill_after=rng.uniform(0.3, 2.5)) is None:
                kills += 1
        await _run(fake, killed_url)
        want, got = await _snapshot(reference), await _snapshot(killed_url)
    assert kills >= 1, "no run was killed: the kill points came too late"
    assert want["work_items"], "the reference run copied nothing"
    assert got["sync_pending"] == []
    for table in want:
        assert got[table] == want[table], f"{table} differs after {kills} kills"


async def test_a_command_on_a_held_database_is_refused_and_sends_nothing(
    tmp_path: Path,
) -> None:
    from meegle_async.sync import create_engine
    from meegle_async.sync.database import database_lock

    async with FakeMeegle(seed_items=20, seed=21) as fake:
        url = f"sqlite:///{tmp_path / 'meegle.db'}"
        engine = create_engine(url)
        try:
            async with database_lock(engine):
                proc = await asyncio.create_subprocess_exec(
                    *_command(fake, url), env=_env(fake), stderr=asyncio.subprocess.PIPE
                )
                _, err = await asyncio.wait_for(proc.communicate(), timeout=120)
        finally:
            await engine.dispose()
        assert proc.returncode == 1
        assert "another meegle-async sync is running" in err.decode()
        assert [r.endpoint for r in fake.requests] == []
        # Once the holder is gone the same command runs.
        assert await _run(fake, url) == 0
