"""Several sync processes with one token and one Redis share the token's rate budget."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from meegle_async.testing import FakeMeegle
from tests.backends.conftest import REDIS_SERVER, RedisServer

from .conftest import fetch_all
from .test_kill import _env


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    if REDIS_SERVER is None:
        pytest.skip("redis-server is not installed (Debian package redis-server; CI installs it)")
    server = RedisServer(REDIS_SERVER, tmp_path)
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


async def test_two_processes_with_one_redis_are_never_throttled(
    tmp_path: Path, redis_url: str
) -> None:
    async with FakeMeegle(seed_items=1500, seed=21) as fake:
        runs = []
        for type_key in ("story", "bug"):
            url = f"sqlite:///{tmp_path / f'{type_key}.db'}"
            proc = await asyncio.create_subprocess_exec(
                *[
                    sys.executable,
                    "-m",
                    "meegle_async",
                    "sync",
                    "--db",
                    url,
                    "--project",
                    fake.project_key,
                    "--type",
                    type_key,
                    "--shared-state",
                    redis_url,
                    "--quiet",
                ],
                env=_env(fake),
                stderr=asyncio.subprocess.PIPE,
            )
            runs.append((url, type_key, proc))
        for url, type_key, proc in runs:
            _, err = await asyncio.wait_for(proc.communicate(), timeout=180)
            assert proc.returncode == 0, err.decode()
            count = (await fetch_all(url, "SELECT count(*) FROM work_items"))[0][0]
            assert count > 0, type_key
        details = [r for r in fake.requests if r.endpoint == "get_work_item_details"]
        assert len(details) > 15  # more than one second's budget between them
        assert [r for r in fake.requests if r.status == 429] == []
