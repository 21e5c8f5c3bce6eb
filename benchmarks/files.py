"""File scenarios: many 1 MiB downloads against the rate-limit floor, and the memory of one
200 MiB download streamed to disk (the client in a child process, so that the fake's copy of
the file is not counted)."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from typing import Any

from meegle_async import MeegleClient
from meegle_async.testing import FakeMeegle
from meegle_async.testing.files_state import StoredFile, files_of

Figures = dict[str, Any]
MiB = 1024 * 1024


def _put_file(fake: FakeMeegle, work_item_id: int, data: bytes, name: str) -> str:
    """Store a file on an item of the fake directly (no upload limit applies)."""
    state = files_of(fake.store)
    item = fake.store.items[work_item_id]
    stored = StoredFile(
        uuid=state.new_uuid(),
        name=name,
        content_type="application/octet-stream",
        data=data,
        project_key=item.project_key,
        work_item_id=item.id,
        field_key="field_a77f01",
    )
    state.files[stored.uuid] = stored
    return stored.uuid


def _a_story(fake: FakeMeegle) -> int:
    return next(
        i.id
        for i in fake.store.items.values()
        if i.type_key == "story" and i.project_key == fake.project_key
    )


async def many_downloads(quick: bool) -> Figures:
    """200 files of 1 MiB downloaded to disk at the platform's 15 QPS: elapsed against the
    floor ((files - 1) / 15 seconds)."""
    count = 30 if quick else 200
    async with FakeMeegle(seed_items=20, seed=2, record_requests=False) as fake:
        wid = _a_story(fake)
        blob = os.urandom(MiB)
        uuids = [_put_file(fake, wid, blob, f"f{n}.bin") for n in range(count)]
        with tempfile.TemporaryDirectory() as folder:
            async with MeegleClient(
                base_url=fake.base_url,
                plugin_id=fake.plugin_id,
                plugin_secret=fake.plugin_secret,
                user_key=fake.user_key,
            ) as client:
                started = time.monotonic()
                got = await asyncio.gather(
                    *(
                        client.attachments.download_file(
                            fake.project_key, "story", wid, u, to=os.path.join(folder, u)
                        )
                        for u in uuids
                    )
                )
                elapsed = time.monotonic() - started
        floor = (count - 1) / 15
        return {
            "files": count,
            "bytes": sum(g.size for g in got),
            "elapsed_s": elapsed,
            "floor_s": floor,
            "ratio": elapsed / floor,
            "throttled": sum(fake.throttled.values()),
            "all_complete": all(g.size == MiB for g in got),
        }


_CHILD = r"""
import asyncio, json, sys, tempfile, os
from meegle_async import MeegleClient

def rss_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0

async def main(base_url, plugin_id, secret, user_key, project, wid, uuid):
    async with MeegleClient(base_url=base_url, plugin_id=plugin_id, plugin_secret=secret,
                            user_key=user_key) as client:
        await client.attachments.list(project, "story", wid)  # token, session, imports
        base = rss_mb()
        peak = [base]
        def progress(done, total):
            peak[0] = max(peak[0], rss_mb())
        with tempfile.TemporaryDirectory() as folder:
            got = await client.attachments.download_file(
                project, "story", wid, uuid, to=os.path.join(folder, "big.bin"),
                progress=progress)
        peak[0] = max(peak[0], rss_mb())
    print(json.dumps({"bytes": got.size, "baseline_mb": base, "growth_mb": peak[0] - base}))

asyncio.run(main(*sys.argv[1:6], int(sys.argv[6]), sys.argv[7]))
"""


async def big_download_memory(quick: bool) -> Figures:
    """One 200 MiB file streamed to disk: the client's peak RSS growth (goal: under 30 MiB)."""
    size = (40 if quick else 200) * MiB
    async with FakeMeegle(seed_items=20, seed=2, record_requests=False) as fake:
        wid = _a_story(fake)
        uuid = _put_file(fake, wid, os.urandom(size), "big.bin")
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-c", _CHILD, fake.base_url, fake.plugin_id, fake.plugin_secret,
            fake.user_key, fake.project_key, str(wid), uuid,
            stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, _ = await proc.communicate()
        if proc.returncode != 0:
            raise RuntimeError(f"the download child failed ({proc.returncode})")
    figures: Figures = json.loads(out.decode().strip().splitlines()[-1])
    figures["file_mb"] = size / MiB
    return figures


Scenario = Callable[[bool], Awaitable[Figures]]
#: name -> (scenario, the figure compared with the target, the target, how it is compared)
FILE_SCENARIOS: dict[str, tuple[Scenario, str, float, str]] = {
    "many_downloads": (many_downloads, "ratio", 1.15, "<="),
    "big_download_memory": (big_download_memory, "growth_mb", 30.0, "<="),
}
