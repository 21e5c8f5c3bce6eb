"""Fixtures for the sync tests: a seeded fake Meegle, a client, and databases.

``db_url`` runs each test on a fresh SQLite file and on a fresh database of a real PostgreSQL
server, which ``postgres_server`` starts once per session from Debian's ``postgresql``
package (initdb into a temporary directory, a free loopback port, as a non-root user). Where
the server binaries are missing the PostgreSQL cases are skipped with the reason.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

pytest.importorskip("sqlalchemy", reason="the sync tests need meegle-async[sync]")

from meegle_async import MeegleClient
from meegle_async.testing import FakeMeegle

SEED_ITEMS = 120


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """``postgresql://postgres@127.0.0.1:PORT``: a throwaway server for the session."""
    bindir = _pg_bin()
    if bindir is None:
        pytest.skip(
            "PostgreSQL tests skipped: no /usr/lib/postgresql/*/bin/initdb "
            "(apt-get install postgresql; .ci/run does)"
        )
    as_user: list[str] = []
    data = Path(tempfile.mkdtemp(prefix="meegle-sync-pg-"))
    if os.geteuid() == 0:
        # The server refuses to run as root: run it as the package's own user.
        if shutil.which("runuser") is None:
            pytest.skip("PostgreSQL tests skipped: running as root without runuser")
        as_user = ["runuser", "-u", "postgres", "--"]
        shutil.chown(data, "postgres", "postgres")
    port = _free_port()
    pgdata = data / "data"
    env = {**os.environ, "LC_ALL": "C"}
    subprocess.run(
        [
            *as_user,
            str(bindir / "initdb"),
            "-D",
            str(pgdata),
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--auth=trust",
        ],
        check=True,
        capture_output=True,
        env=env,
    )
    subprocess.run(
        [
            *as_user,
            str(bindir / "pg_ctl"),
            "-D",
            str(pgdata),
            "-l",
            str(data / "log"),
            "-w",
            "-t",
            "60",
            "-o",
            f"-p {port} -k {data} -c listen_addresses=127.0.0.1 -c fsync=off",
            "start",
        ],
        check=True,
        capture_output=True,
        env=env,
    )
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}"
    finally:
        subprocess.run(
            [*as_user, str(bindir / "pg_ctl"), "-D", str(pgdata), "-m", "immediate", "stop"],
            capture_output=True,
            env=env,
        )
        shutil.rmtree(data, ignore_errors=True)


_db_counter = 0


async def create_pg_database(server: str) -> str:
    """A new, empty database on the server; its URL."""
    import asyncpg

    global _db_counter
    _db_counter += 1
    name = f"sync_test_{os.getpid()}_{_db_counter}"
    conn = await asyncpg.connect(f"{server}/postgres")
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return f"{server}/{name}"


@pytest.fixture(params=["sqlite", "postgresql"])
async def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database: a SQLite file, then a PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'meegle.db'}"
    server = request.getfixturevalue("postgres_server")
    return await create_pg_database(server)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'meegle.db'}"


@pytest.fixture
async def fake() -> AsyncIterator[FakeMeegle]:
    async with FakeMeegle(seed_items=SEED_ITEMS, seed=21) as server:
        yield server


@pytest.fixture
async def client(fake: FakeMeegle) -> AsyncIterator[MeegleClient]:
    async with MeegleClient(
        base_url=fake.base_url,
        plugin_id=fake.plugin_id,
        plugin_secret=fake.plugin_secret,
        user_key=fake.user_key,
        trust_env=False,
    ) as c:
        yield c


async def fetch_all(url: str, query: str) -> list[tuple[object, ...]]:
    """Rows of a SQL query against the database at ``url``."""
    from sqlalchemy import text

    from meegle_async.sync import create_engine

    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return [tuple(r) for r in (await conn.execute(text(query))).all()]
    finally:
        await engine.dispose()
